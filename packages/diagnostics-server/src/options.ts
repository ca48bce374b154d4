import {
  hasMethods,
  all,
  applyOptions,
  boolean,
  checkValue,
  custom,
  describe,
  duration,
  func,
  integer,
  isPlainObject,
  list,
  matches,
  object,
  record,
  string,
  union,
  withDefaults,
  type Check,
  type OptionProblem,
} from '@kubediag/options';
import type { FilterProvider, Logger, MetricsRegistry, RequestHandler, VerbosityControl } from './types.ts';
import { invalidOptionsError } from './errors.ts';
import { ciphersFromGoNames, tlsVersionFromGoName, type TlsVersionName } from './tls-config.ts';
import { parseBindAddress } from './listen.ts';
import { cleanPath } from './path.ts';
import {
  WATCHDOG_DEFAULTS,
  WATCHDOG_SHAPE,
  watchdogProblems,
  type HealthProbeWatchdogOptions,
  type ResolvedHealthProbeWatchdogOptions,
} from './watchdog/options.ts';

/** KEP-4827/4828 pages (`/statusz`, `/flagz`). */
export interface ZPagesOptions {
  /** Component name in the page header and `metadata.name`. @default process.title */
  readonly componentName?: string;
  /** `Binary version` line. @default '' */
  readonly binaryVersion?: string;
  /** `Emulation version` line; omitted when unset. @default undefined */
  readonly emulationVersion?: string;
  /** The flags `/flagz` lists, or a function returning them per request. @default {} */
  readonly flags?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  /**
   * Flags whose values are shown as `CLASSIFIED`. Names that look like credentials (token, password,
   * secret, private key, api key) are redacted even when not listed. @default []
   */
  readonly confidentialFlags?: readonly string[];
}

/** ZPagesOptions with every default filled in. */
export interface ResolvedZPagesOptions {
  readonly componentName: string;
  readonly binaryVersion: string;
  readonly emulationVersion?: string;
  readonly flags: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  readonly confidentialFlags: readonly string[];
}

/** Options of {@link createDiagnosticsServer}. Every field is optional; see the README table. */
export interface DiagnosticsServerOptions {
  /**
   * `host:port` to listen on; `:8443` means every interface. `"0"` disables the server (start() then
   * does nothing), like controller-runtime's `BindAddress`. @default ':8443'
   */
  readonly bindAddress?: string;
  /**
   * HTTPS with the filter (default). `false` serves plain HTTP with only `/metrics` and the health
   * endpoints: pprof, `/debug/flags/v`, `/statusz` and `/flagz` are not registered at all. @default true
   */
  readonly secureServing?: boolean;
  /**
   * Builds the authentication/authorization filter, once at start (e.g. `withAuthenticationAndAuthorization`
   * from `@kubediag/authn-authz-filter`). It wraps every route except the health endpoints; when it
   * hands back a {@link ClosableFilter}, `stop()` closes it. Required in secure mode so the port fails
   * closed; pass `null` to serve TLS without a filter. @default undefined
   */
  readonly filterProvider?: FilterProvider | null;
  /** Passed to the filter provider as `kubeConfig` (opaque here). @default undefined */
  readonly kubeConfig?: unknown;
  /**
   * The prom-client Registry served at `/metrics` and given to the filter. `undefined` uses prom-client's
   * global `register`. @default prom-client register
   */
  readonly registry?: MetricsRegistry;
  /** Responses of at least this many bytes are gzipped when the client accepts gzip. @default 1024 */
  readonly gzipMinBytes?: number;
  /** Logger (`@kubediag/klog`): V(1) listening address, V(4) each request. @default createLogger() */
  readonly logger?: Logger;
  /**
   * What `PUT /debug/flags/v` changes. @default getVerbosityControl(logger) (required when the logger
   * is not a `@kubediag/klog` logger)
   */
  readonly verbosityControl?: VerbosityControl;
  /** Largest accepted `PUT /debug/flags/v` body; larger bodies get 413. @default 1024 */
  readonly flagsMaxBodyBytes?: number;
  /**
   * Handler for everything under `/debug/pprof/`. `undefined` uses `createPprofHandler()` from
   * `@kubediag/pprof` (closed by `stop()`); `null` does not register pprof. @default @kubediag/pprof
   */
  readonly pprofHandler?: RequestHandler | null | undefined;
  /** The longest profile (`seconds`) the pprof handler may take; bounds `requestTimeoutMs`. @default 300 */
  readonly maxProfileSeconds?: number;
  /**
   * More routes, each wrapped by the filter. A key ending in `/` is a subtree. `/metrics` cannot be
   * overridden and built-in paths cannot be registered twice. @default {}
   */
  readonly extraHandlers?: Readonly<Record<string, RequestHandler>>;
  /** Serve `/healthz`, `/livez` and `/readyz` (never filtered, so kubelet probes need no token). @default true */
  readonly healthProbes?: boolean;
  /** A health check that takes longer fails with a timeout. @default 10000 */
  readonly healthCheckTimeoutMs?: number;
  /** `/statusz` and `/flagz` (secure mode only, behind the filter); `false` disables them. @default {} */
  readonly zpages?: ZPagesOptions | false;
  /**
   * Directory holding the serving pair, reloaded on change (also through the `..data` symlink swap of a
   * Secret volume). When either file is missing a self-signed certificate is generated in memory.
   * @default undefined (generate)
   */
  readonly certDir?: string;
  /** @default 'tls.crt' */
  readonly certName?: string;
  /** @default 'tls.key' */
  readonly keyName?: string;
  /** Poll period of the cert dir, on top of the file-system watch. @default 10000 */
  readonly certReloadIntervalMs?: number;
  /** Extra SANs (DNS names or IPs) of the generated certificate, after localhost and 127.0.0.1. @default [] */
  readonly selfSignedNames?: readonly string[];
  /** Go name of the minimum TLS version; `''` means VersionTLS12. @default 'VersionTLS12' */
  readonly tlsMinVersion?: TlsVersionName | '';
  /** Go IANA cipher-suite names for TLS ≤ 1.2 (TLS 1.3 suites are not configurable). @default [] (Node defaults) */
  readonly tlsCipherSuites?: readonly string[];
  /**
   * PEM file of CAs for client certificates. The handshake asks for a certificate but never rejects one:
   * the filter decides. @default undefined (no client certificates requested)
   */
  readonly clientCAFile?: string;
  /**
   * Time to receive a request head on a connection that has been authenticated (controller-runtime:
   * ReadHeaderTimeout 32 s). @default 32000
   */
  readonly headersTimeoutMs?: number;
  /** Keep-alive idle time between requests (controller-runtime: IdleTimeout 90 s). @default 90000 */
  readonly idleTimeoutMs?: number;
  /**
   * Upper bound of one request, body and response included. Must exceed `maxProfileSeconds` so the longest
   * profile completes. @default (maxProfileSeconds + 60) * 1000
   */
  readonly requestTimeoutMs?: number;
  /** Largest request head; larger gets 431. @default 16384 */
  readonly maxHeaderSize?: number;
  /**
   * Connections held at once, all sources together; further connections are closed at once. A TLS
   * handshake left unfinished costs the server about 55–60 KiB, an idle TLS connection 24–46 KiB (Node
   * 20–24; see the README), so the default holds at most about 60 MiB. @default 1024
   */
  readonly maxConnections?: number;
  /**
   * Connections held at once from one source address (IPv4-mapped IPv6 counted as IPv4), so that one
   * client cannot take every slot of `maxConnections`. @default 32
   */
  readonly maxConnectionsPerSource?: number;
  /**
   * From the TCP accept to a completed TLS handshake; a connection that takes longer is closed.
   * @default min(10000, headersTimeoutMs)
   */
  readonly tlsHandshakeTimeoutMs?: number;
  /**
   * Until a request on the connection has reached a filtered route (the filter allowed it), the time
   * the client has to send each complete request head: from the handshake for the first one, from the
   * previous answer for the next. At most `headersTimeoutMs`, which applies once authenticated.
   * @default min(10000, headersTimeoutMs)
   */
  readonly unauthenticatedHeadersTimeoutMs?: number;
  /** Default grace period of `stop()` for in-flight requests. @default 30000 */
  readonly shutdownGracePeriodMs?: number;
  /**
   * `host:port` of the health-probe listener (controller-runtime's `HealthProbeBindAddress`, kubebuilder's
   * `--health-probe-bind-address`): plain HTTP serving only `/healthz`, `/livez` and `/readyz` with the
   * checks and texts of the diagnostics port's probes, no filter, and bounds of its own, so that no
   * client of the diagnostics port can starve the kubelet's probes. `"0"` disables it. @default '0'
   */
  readonly healthProbeBindAddress?: string;
  /** Connections the probe listener holds at once; further ones are closed at once. @default 128 */
  readonly healthProbeMaxConnections?: number;
  /** Connections the probe listener holds at once from one source address. @default 8 */
  readonly healthProbeMaxConnectionsPerSource?: number;
  /**
   * On the probe listener, the time a client has to send each complete request head, from the accept or
   * the previous answer (so also the keep-alive idle time). @default 5000
   */
  readonly healthProbeTimeoutMs?: number;
  /**
   * The health-probe watchdog: the probe listener served from a worker thread, so that probes are
   * answered, and honestly (`/readyz` fails, `/livez` fails past a bound), while the main event loop is
   * blocked; the worker also logs a stall while it lasts. Needs `healthProbeBindAddress`.
   * @default { enabled: false }
   */
  readonly healthProbeWatchdog?: HealthProbeWatchdogOptions;
}

/** DiagnosticsServerOptions with every default filled in; assignable to DiagnosticsServerOptions. */
export interface ResolvedDiagnosticsServerOptions {
  readonly bindAddress: string;
  readonly secureServing: boolean;
  readonly filterProvider?: FilterProvider | null;
  readonly kubeConfig?: unknown;
  readonly registry?: MetricsRegistry;
  readonly gzipMinBytes: number;
  readonly logger?: Logger;
  readonly verbosityControl?: VerbosityControl;
  readonly flagsMaxBodyBytes: number;
  readonly pprofHandler?: RequestHandler | null | undefined;
  readonly maxProfileSeconds: number;
  readonly extraHandlers: Readonly<Record<string, RequestHandler>>;
  readonly healthProbes: boolean;
  readonly healthCheckTimeoutMs: number;
  readonly zpages: ResolvedZPagesOptions | false;
  readonly certDir?: string;
  readonly certName: string;
  readonly keyName: string;
  readonly certReloadIntervalMs: number;
  readonly selfSignedNames: readonly string[];
  readonly tlsMinVersion: TlsVersionName | '';
  readonly tlsCipherSuites: readonly string[];
  readonly clientCAFile?: string;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxHeaderSize: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerSource: number;
  readonly tlsHandshakeTimeoutMs: number;
  readonly unauthenticatedHeadersTimeoutMs: number;
  readonly shutdownGracePeriodMs: number;
  readonly healthProbeBindAddress: string;
  readonly healthProbeMaxConnections: number;
  readonly healthProbeMaxConnectionsPerSource: number;
  readonly healthProbeTimeoutMs: number;
  readonly healthProbeWatchdog: ResolvedHealthProbeWatchdogOptions;
}

/** Added to `maxProfileSeconds` for the default `requestTimeoutMs`: the rest of the exchange. */
const REQUEST_TIMEOUT_MARGIN_MS = 60_000;
/** A day, as `@kubediag/pprof` bounds a profile. */
const MAX_PROFILE_SECONDS = 86_400;

/** The longest pre-authentication deadline by default (handshake, unauthenticated request head). */
const PRE_AUTHENTICATION_TIMEOUT_MS = 10_000;

/** The defaults derived in resolve are left out. */
type Derived = 'requestTimeoutMs' | 'tlsHandshakeTimeoutMs' | 'unauthenticatedHeadersTimeoutMs';
type Defaults = Omit<ResolvedDiagnosticsServerOptions, Derived | 'zpages'> & {
  readonly zpages: Omit<ResolvedZPagesOptions, 'componentName'>;
};

const DEFAULTS: Defaults = Object.freeze({
  bindAddress: ':8443',
  secureServing: true,
  gzipMinBytes: 1024,
  flagsMaxBodyBytes: 1024,
  maxProfileSeconds: 300,
  extraHandlers: Object.freeze({}),
  healthProbes: true,
  healthCheckTimeoutMs: 10_000,
  zpages: Object.freeze({
    binaryVersion: '',
    flags: Object.freeze({}),
    confidentialFlags: Object.freeze([]),
  }),
  certName: 'tls.crt',
  keyName: 'tls.key',
  certReloadIntervalMs: 10_000,
  selfSignedNames: Object.freeze([]),
  tlsMinVersion: 'VersionTLS12',
  tlsCipherSuites: Object.freeze([]),
  headersTimeoutMs: 32_000,
  idleTimeoutMs: 90_000,
  maxHeaderSize: 16_384,
  maxConnections: 1024,
  maxConnectionsPerSource: 32,
  shutdownGracePeriodMs: 30_000,
  healthProbeBindAddress: '0',
  healthProbeMaxConnections: 128,
  healthProbeMaxConnectionsPerSource: 8,
  healthProbeTimeoutMs: 5000,
  healthProbeWatchdog: WATCHDOG_DEFAULTS,
});

const isFunction = (v: unknown): boolean => typeof v === 'function';

const ZPAGES_SHAPE: Check = object({
  componentName: string({ allowEmpty: true }),
  binaryVersion: string({ allowEmpty: true }),
  emulationVersion: string({ allowEmpty: true }),
  flags: union(
    'flag values by name, or a function returning them',
    [isPlainObject, record(string({ allowEmpty: true, expected: 'a string' }))],
    [isFunction, all()],
  ),
  confidentialFlags: list(string()),
});

/** `host:port`, or `"0"` to disable. */
const BIND_ADDRESS: Check = all(
  string(),
  custom((v) => {
    if (v === '0') return undefined;
    const parsed = parseBindAddress(v as string);
    return typeof parsed === 'string' ? parsed : undefined;
  }),
);

const SHAPE: Check = object({
  bindAddress: BIND_ADDRESS,
  secureServing: boolean(),
  filterProvider: matches(
    (v) => v === null || isFunction(v),
    'a FilterProvider function, or null to serve without a filter',
  ),
  // Opaque here: handed to the filter provider as it is.
  kubeConfig: all(),
  registry: matches(hasMethods('metrics'), 'a prom-client Registry (with metrics() and contentType)'),
  gzipMinBytes: integer({ min: 0 }),
  logger: matches(hasMethods('withName', 'V', 'info', 'error'), 'a @kubediag/klog Logger'),
  verbosityControl: matches(
    hasMethods('setVerbosity', 'setVModule'),
    'a VerbosityControl (setVerbosity, setVModule)',
  ),
  flagsMaxBodyBytes: integer({ min: 1 }),
  pprofHandler: matches(
    (v) => v === null || isFunction(v),
    'a request handler function, or null to not serve pprof',
  ),
  maxProfileSeconds: integer({ min: 1, max: MAX_PROFILE_SECONDS }),
  extraHandlers: record(
    func('a request handler function'),
    custom((path) =>
      typeof path === 'string' && path.startsWith('/') && cleanPath(path) === path
        ? undefined
        : `expected a clean absolute path (like ${JSON.stringify(cleanPath(`/${String(path)}`))}), got ${describe(path)}`,
    ),
  ),
  healthProbes: boolean(),
  healthCheckTimeoutMs: duration({ min: 1 }),
  zpages: union('false or zpages options', [(v) => v === false, all()], [isPlainObject, ZPAGES_SHAPE]),
  certDir: string(),
  certName: string({ pattern: /^(?!\.\.?$)[^/]+$/, expected: 'a file name' }),
  keyName: string({ pattern: /^(?!\.\.?$)[^/]+$/, expected: 'a file name' }),
  certReloadIntervalMs: duration({ min: 100 }),
  selfSignedNames: list(string({ pattern: /^[^\s/%]+$/, expected: 'a DNS name or IP address' })),
  tlsMinVersion: all(
    string({ allowEmpty: true }),
    custom((v) =>
      tlsVersionFromGoName(v as string) === undefined ? `unknown tls version ${describe(v)}` : undefined,
    ),
  ),
  tlsCipherSuites: all(
    list(string()),
    custom((v) => {
      const mapping = ciphersFromGoNames(v as readonly string[]);
      return mapping.ok ? undefined : mapping.message;
    }),
  ),
  clientCAFile: string(),
  headersTimeoutMs: duration({ min: 1 }),
  idleTimeoutMs: duration({ min: 1 }),
  requestTimeoutMs: duration({ min: 1, max: MAX_PROFILE_SECONDS * 1000 + REQUEST_TIMEOUT_MARGIN_MS }),
  maxHeaderSize: integer({ min: 1024 }),
  maxConnections: integer({ min: 1 }),
  maxConnectionsPerSource: integer({ min: 1 }),
  tlsHandshakeTimeoutMs: duration({ min: 1 }),
  unauthenticatedHeadersTimeoutMs: duration({ min: 1 }),
  shutdownGracePeriodMs: duration(),
  healthProbeBindAddress: BIND_ADDRESS,
  healthProbeMaxConnections: integer({ min: 1 }),
  healthProbeMaxConnectionsPerSource: integer({ min: 1 }),
  healthProbeTimeoutMs: duration({ min: 1 }),
  healthProbeWatchdog: WATCHDOG_SHAPE,
});

/** Fills defaults, including the derived ones; never throws, never validates. */
export function resolveDiagnosticsServerOptions(
  options?: DiagnosticsServerOptions,
): ResolvedDiagnosticsServerOptions {
  const merged = withDefaults<Defaults & { readonly [K in Derived]?: number }>(DEFAULTS, options);
  const derived: { -readonly [K in Derived]?: number } & { zpages: unknown } = {
    zpages: withComponentName(merged.zpages),
  };
  // Each left unset when what it derives from is not a number: validation reports that one, not a
  // second problem.
  if (merged.requestTimeoutMs === undefined && typeof merged.maxProfileSeconds === 'number')
    derived.requestTimeoutMs = merged.maxProfileSeconds * 1000 + REQUEST_TIMEOUT_MARGIN_MS;
  // A server whose head deadline was shortened keeps its pre-authentication deadlines within it.
  const preAuthentication =
    typeof merged.headersTimeoutMs === 'number'
      ? Math.min(PRE_AUTHENTICATION_TIMEOUT_MS, merged.headersTimeoutMs)
      : undefined;
  if (preAuthentication !== undefined) {
    if (merged.tlsHandshakeTimeoutMs === undefined) derived.tlsHandshakeTimeoutMs = preAuthentication;
    if (merged.unauthenticatedHeadersTimeoutMs === undefined)
      derived.unauthenticatedHeadersTimeoutMs = preAuthentication;
  }
  return Object.freeze({ ...merged, ...derived }) as ResolvedDiagnosticsServerOptions;
}

/** The process title is read now, not at import: an operator may set it after loading this module. */
function withComponentName(zpages: unknown): unknown {
  if (!isPlainObject(zpages) || zpages['componentName'] !== undefined) return zpages;
  return Object.freeze({ ...zpages, componentName: process.title });
}

/** Every problem in the resolved options, each with its path; empty when valid. */
export function validateDiagnosticsServerOptions(
  resolved: ResolvedDiagnosticsServerOptions,
): OptionProblem[] {
  const problems = checkValue(SHAPE, resolved);
  // Cross-field rules, only between fields that are valid on their own.
  const invalid = new Set(problems.map((p) => p.path));
  const valid = (path: keyof ResolvedDiagnosticsServerOptions): boolean => !invalid.has(path);
  // A disabled port (bindAddress "0") serves nothing a filter would guard.
  if (
    resolved.secureServing === true &&
    resolved.filterProvider === undefined &&
    resolved.bindAddress !== '0'
  ) {
    problems.push({
      path: 'filterProvider',
      message:
        'expected a FilterProvider (e.g. withAuthenticationAndAuthorization) in secure mode, or null to serve without authentication, got undefined',
    });
  }
  if (
    valid('requestTimeoutMs') &&
    valid('maxProfileSeconds') &&
    resolved.requestTimeoutMs <= resolved.maxProfileSeconds * 1000
  ) {
    problems.push({
      path: 'requestTimeoutMs',
      message: `expected more than maxProfileSeconds (${resolved.maxProfileSeconds} s) so the longest profile completes, got ${resolved.requestTimeoutMs} ms`,
    });
  }
  if (
    valid('headersTimeoutMs') &&
    valid('requestTimeoutMs') &&
    resolved.headersTimeoutMs > resolved.requestTimeoutMs
  ) {
    problems.push({
      path: 'headersTimeoutMs',
      message: `expected at most requestTimeoutMs (${resolved.requestTimeoutMs}), got ${resolved.headersTimeoutMs}`,
    });
  }
  if (
    valid('unauthenticatedHeadersTimeoutMs') &&
    valid('headersTimeoutMs') &&
    resolved.unauthenticatedHeadersTimeoutMs > resolved.headersTimeoutMs
  ) {
    problems.push({
      path: 'unauthenticatedHeadersTimeoutMs',
      message: `expected at most headersTimeoutMs (${resolved.headersTimeoutMs}), got ${resolved.unauthenticatedHeadersTimeoutMs}`,
    });
  }
  if (valid('bindAddress') && valid('healthProbeBindAddress') && samePort(resolved)) {
    problems.push({
      path: 'healthProbeBindAddress',
      message: `expected a port other than bindAddress's (${resolved.bindAddress}), got ${JSON.stringify(resolved.healthProbeBindAddress)}`,
    });
  }
  if (
    valid('healthProbeBindAddress') &&
    valid('healthProbeWatchdog') &&
    isPlainObject(resolved.healthProbeWatchdog)
  )
    problems.push(
      ...watchdogProblems(resolved.healthProbeWatchdog, resolved.healthProbeBindAddress, problems),
    );
  return problems;
}

/** Both listeners on one fixed port of overlapping hosts: the second could never bind. */
function samePort(o: ResolvedDiagnosticsServerOptions): boolean {
  if (o.bindAddress === '0' || o.healthProbeBindAddress === '0') return false;
  const a = parseBindAddress(o.bindAddress);
  const b = parseBindAddress(o.healthProbeBindAddress);
  if (typeof a === 'string' || typeof b === 'string' || a.port === 0 || a.port !== b.port) return false;
  return a.host === b.host || a.host === '' || b.host === '';
}

/** resolve → validate → throw `KDIAG_SERVER_INVALID_OPTIONS` once. Internal: createDiagnosticsServer calls it. */
export function applyDiagnosticsServerOptions(
  options?: DiagnosticsServerOptions,
): ResolvedDiagnosticsServerOptions {
  return applyOptions(options, {
    resolve: resolveDiagnosticsServerOptions,
    validate: validateDiagnosticsServerOptions,
    invalid: invalidOptionsError,
  });
}
