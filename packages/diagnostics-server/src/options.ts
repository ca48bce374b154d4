import { isIP } from 'node:net';
import type {
  FilterProvider,
  HealthCheck,
  Logger,
  MetricsRegistry,
  RequestHandler,
  VerbosityControl,
} from './types.ts';
import { invalidOptionsError, type OptionProblem } from './errors.ts';
import { ciphersFromGoNames, tlsVersionFromGoName, type TlsVersionName } from './tls-config.ts';
import { cleanPath } from './path.ts';

/** KEP-4827/4828 pages (`/statusz`, `/flagz`). */
export interface ZPagesOptions {
  /** Component name in the page header and `metadata.name`. @default process.title */
  componentName?: string;
  /** `Binary version` line. @default '' */
  binaryVersion?: string;
  /** `Emulation version` line; omitted when unset. @default undefined */
  emulationVersion?: string;
  /** The flags `/flagz` lists, or a function returning them per request. @default {} */
  flags?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  /**
   * Flags whose values are shown as `CLASSIFIED`. Names that look like credentials (token, password,
   * secret, private key, api key) are redacted even when not listed. @default []
   */
  confidentialFlags?: readonly string[];
}

/** Options of {@link createDiagnosticsServer}. Every field is optional; see the README table. */
export interface DiagnosticsServerOptions {
  /**
   * `host:port` to listen on; `:8443` means every interface. `"0"` disables the server (start() then
   * does nothing), like controller-runtime's `BindAddress`. @default ':8443'
   */
  bindAddress?: string;
  /**
   * HTTPS with the filter (default). `false` serves plain HTTP with only `/metrics` and the health
   * endpoints: pprof, `/debug/flags/v`, `/statusz` and `/flagz` are not registered at all. @default true
   */
  secureServing?: boolean;
  /**
   * Builds the authentication/authorization filter, once at start (e.g. `withAuthenticationAndAuthorization`
   * from `@kubediag/authn-authz-filter`). It wraps every route except the health endpoints. Required in
   * secure mode so the port fails closed; pass `null` to serve TLS without a filter. @default undefined
   */
  filterProvider?: FilterProvider | null;
  /** Passed to the filter provider as `kubeConfig` (opaque here). @default undefined */
  kubeConfig?: unknown;
  /**
   * The prom-client Registry served at `/metrics` and given to the filter. `undefined` uses prom-client's
   * global `register`. @default prom-client register
   */
  registry?: MetricsRegistry;
  /** Responses of at least this many bytes are gzipped when the client accepts gzip. @default 1024 */
  gzipMinBytes?: number;
  /** Logger (`@kubediag/klog`): V(1) listening address, V(4) each request. @default createLogger() */
  logger?: Logger;
  /**
   * What `PUT /debug/flags/v` changes. @default getVerbosityControl(logger) (required when the logger
   * is not a `@kubediag/klog` logger)
   */
  verbosityControl?: VerbosityControl;
  /** Largest accepted `PUT /debug/flags/v` body; larger bodies get 413. @default 1024 */
  flagsMaxBodyBytes?: number;
  /**
   * Handler for everything under `/debug/pprof/`. `undefined` uses `createPprofHandler()` from
   * `@kubediag/pprof`; `null` does not register pprof. @default @kubediag/pprof
   */
  pprofHandler?: RequestHandler | null | undefined;
  /** The longest profile (`seconds`) the pprof handler may take; bounds `requestTimeoutMs`. @default 300 */
  maxProfileSeconds?: number;
  /**
   * More routes, each wrapped by the filter. A key ending in `/` is a subtree. `/metrics` cannot be
   * overridden and built-in paths cannot be registered twice. @default {}
   */
  extraHandlers?: Readonly<Record<string, RequestHandler>>;
  /** Serve `/healthz`, `/livez` and `/readyz` (never filtered, so kubelet probes need no token). @default true */
  healthProbes?: boolean;
  /** A health check that takes longer fails with a timeout. @default 10000 */
  healthCheckTimeoutMs?: number;
  /** `/statusz` and `/flagz` (secure mode only, behind the filter); `false` disables them. @default {} */
  zpages?: ZPagesOptions | false;
  /**
   * Directory holding the serving pair, reloaded on change (also through the `..data` symlink swap of a
   * Secret volume). When either file is missing a self-signed certificate is generated in memory.
   * @default undefined (generate)
   */
  certDir?: string;
  /** @default 'tls.crt' */
  certName?: string;
  /** @default 'tls.key' */
  keyName?: string;
  /** Poll period of the cert dir, on top of the file-system watch. @default 10000 */
  certReloadIntervalMs?: number;
  /** Extra SANs (DNS names or IPs) of the generated certificate, after localhost and 127.0.0.1. @default [] */
  selfSignedNames?: readonly string[];
  /** Go name of the minimum TLS version; `''` means VersionTLS12. @default 'VersionTLS12' */
  tlsMinVersion?: TlsVersionName | '';
  /** Go IANA cipher-suite names for TLS ≤ 1.2 (TLS 1.3 suites are not configurable). @default [] (Node defaults) */
  tlsCipherSuites?: readonly string[];
  /**
   * PEM file of CAs for client certificates. The handshake asks for a certificate but never rejects one:
   * the filter decides. @default undefined (no client certificates requested)
   */
  clientCAFile?: string;
  /** Time to receive the request headers (controller-runtime: ReadHeaderTimeout 32 s). @default 32000 */
  headersTimeoutMs?: number;
  /** Keep-alive idle time between requests (controller-runtime: IdleTimeout 90 s). @default 90000 */
  idleTimeoutMs?: number;
  /**
   * Upper bound of one request, body and response included. Must exceed `maxProfileSeconds` so the longest
   * profile completes. @default (maxProfileSeconds + 60) * 1000
   */
  requestTimeoutMs?: number;
  /** Largest request head; larger gets 431. @default 16384 */
  maxHeaderSize?: number;
  /** Concurrent connections; more are refused. @default 256 */
  maxConnections?: number;
  /** Default grace period of `stop()` for in-flight requests. @default 30000 */
  shutdownGracePeriodMs?: number;
}

/** Shape of {@link DEFAULT_DIAGNOSTICS_SERVER_OPTIONS}. */
export interface DiagnosticsServerDefaults {
  readonly bindAddress: string;
  readonly secureServing: boolean;
  readonly gzipMinBytes: number;
  readonly flagsMaxBodyBytes: number;
  readonly maxProfileSeconds: number;
  readonly healthProbes: boolean;
  readonly healthCheckTimeoutMs: number;
  readonly certName: string;
  readonly keyName: string;
  readonly certReloadIntervalMs: number;
  readonly tlsMinVersion: TlsVersionName;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Added to `maxProfileSeconds` to derive `requestTimeoutMs`. */
  readonly requestTimeoutMarginMs: number;
  readonly maxHeaderSize: number;
  readonly maxConnections: number;
  readonly shutdownGracePeriodMs: number;
}

/** The defaults, frozen. `requestTimeoutMs` is derived from `maxProfileSeconds` when unset. */
export const DEFAULT_DIAGNOSTICS_SERVER_OPTIONS: DiagnosticsServerDefaults = Object.freeze({
  bindAddress: ':8443',
  secureServing: true,
  gzipMinBytes: 1024,
  flagsMaxBodyBytes: 1024,
  maxProfileSeconds: 300,
  healthProbes: true,
  healthCheckTimeoutMs: 10_000,
  certName: 'tls.crt',
  keyName: 'tls.key',
  certReloadIntervalMs: 10_000,
  tlsMinVersion: 'VersionTLS12',
  headersTimeoutMs: 32_000,
  idleTimeoutMs: 90_000,
  requestTimeoutMarginMs: 60_000,
  maxHeaderSize: 16_384,
  maxConnections: 256,
  shutdownGracePeriodMs: 30_000,
});

/** Options with every default filled in. */
export interface ResolvedDiagnosticsServerOptions {
  bindAddress: string;
  secureServing: boolean;
  filterProvider: FilterProvider | null | undefined;
  kubeConfig: unknown;
  registry: MetricsRegistry | undefined;
  gzipMinBytes: number;
  logger: Logger | undefined;
  verbosityControl: VerbosityControl | undefined;
  flagsMaxBodyBytes: number;
  pprofHandler: RequestHandler | null | undefined;
  maxProfileSeconds: number;
  extraHandlers: Readonly<Record<string, RequestHandler>>;
  healthProbes: boolean;
  healthCheckTimeoutMs: number;
  zpages:
    (Required<Omit<ZPagesOptions, 'emulationVersion'>> & { emulationVersion: string | undefined }) | false;
  certDir: string | undefined;
  certName: string;
  keyName: string;
  certReloadIntervalMs: number;
  selfSignedNames: readonly string[];
  tlsMinVersion: string;
  tlsCipherSuites: readonly string[];
  clientCAFile: string | undefined;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  maxHeaderSize: number;
  maxConnections: number;
  shutdownGracePeriodMs: number;
}

/** Fills defaults (with `??`, so `0` and `''` are kept and then validated). */
export function resolveDiagnosticsServerOptions(
  o: DiagnosticsServerOptions = {},
): ResolvedDiagnosticsServerOptions {
  const d = DEFAULT_DIAGNOSTICS_SERVER_OPTIONS;
  const maxProfileSeconds = o.maxProfileSeconds ?? d.maxProfileSeconds;
  const z = o.zpages;
  return {
    bindAddress: o.bindAddress ?? d.bindAddress,
    secureServing: o.secureServing ?? d.secureServing,
    filterProvider: o.filterProvider,
    kubeConfig: o.kubeConfig,
    registry: o.registry,
    gzipMinBytes: o.gzipMinBytes ?? d.gzipMinBytes,
    logger: o.logger,
    verbosityControl: o.verbosityControl,
    flagsMaxBodyBytes: o.flagsMaxBodyBytes ?? d.flagsMaxBodyBytes,
    pprofHandler: o.pprofHandler,
    maxProfileSeconds,
    extraHandlers: o.extraHandlers ?? {},
    healthProbes: o.healthProbes ?? d.healthProbes,
    healthCheckTimeoutMs: o.healthCheckTimeoutMs ?? d.healthCheckTimeoutMs,
    zpages:
      z === false
        ? false
        : {
            componentName: z?.componentName ?? process.title,
            binaryVersion: z?.binaryVersion ?? '',
            emulationVersion: z?.emulationVersion,
            flags: z?.flags ?? {},
            confidentialFlags: z?.confidentialFlags ?? [],
          },
    certDir: o.certDir,
    certName: o.certName ?? d.certName,
    keyName: o.keyName ?? d.keyName,
    certReloadIntervalMs: o.certReloadIntervalMs ?? d.certReloadIntervalMs,
    selfSignedNames: o.selfSignedNames ?? [],
    tlsMinVersion: o.tlsMinVersion ?? d.tlsMinVersion,
    tlsCipherSuites: o.tlsCipherSuites ?? [],
    clientCAFile: o.clientCAFile,
    headersTimeoutMs: o.headersTimeoutMs ?? d.headersTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs ?? d.idleTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs ?? maxProfileSeconds * 1000 + d.requestTimeoutMarginMs,
    maxHeaderSize: o.maxHeaderSize ?? d.maxHeaderSize,
    maxConnections: o.maxConnections ?? d.maxConnections,
    shutdownGracePeriodMs: o.shutdownGracePeriodMs ?? d.shutdownGracePeriodMs,
  };
}

/** `host:port` split of a bind address, as Go's `net.SplitHostPort` + `Listen` understand it. */
export interface ListenAddress {
  /** '' means every interface. */
  host: string;
  port: number;
}

/** Parses `:8443`, `127.0.0.1:0`, `[::1]:8443`, `localhost:8080`. Returns a message on error. */
export function parseBindAddress(addr: string): ListenAddress | string {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  if (m === null)
    return `expected "host:port" (e.g. ":8443" or "127.0.0.1:8443") or "0" to disable, got ${JSON.stringify(addr)}`;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return `port must be 0..65535, got ${port}`;
  if (m[1] !== undefined && isIP(host) !== 6)
    return `expected an IPv6 address in brackets, got ${JSON.stringify(host)}`;
  return { host, port };
}

const BUILTIN_METRICS = '/metrics';

function positiveInt(problems: OptionProblem[], path: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min)
    problems.push({ path, message: `expected an integer >= ${min}, got ${String(v)}` });
}

/** Every problem in the resolved options, each with its field path. Empty means valid. */
export function validateDiagnosticsServerOptions(o: ResolvedDiagnosticsServerOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  if (o.bindAddress !== '0') {
    const parsed = parseBindAddress(o.bindAddress);
    if (typeof parsed === 'string') problems.push({ path: 'bindAddress', message: parsed });
  }
  if (o.secureServing && o.filterProvider === undefined) {
    problems.push({
      path: 'filterProvider',
      message:
        'expected a FilterProvider (e.g. withAuthenticationAndAuthorization) in secure mode, or null to serve without authentication, got undefined',
    });
  }
  if (o.filterProvider !== undefined && o.filterProvider !== null && typeof o.filterProvider !== 'function') {
    problems.push({ path: 'filterProvider', message: `expected a function, got ${typeof o.filterProvider}` });
  }
  if (o.registry !== undefined && typeof o.registry.metrics !== 'function') {
    problems.push({
      path: 'registry',
      message: 'expected a prom-client Registry (with metrics() and contentType)',
    });
  }
  positiveInt(problems, 'gzipMinBytes', o.gzipMinBytes, 0);
  positiveInt(problems, 'flagsMaxBodyBytes', o.flagsMaxBodyBytes);
  positiveInt(problems, 'maxProfileSeconds', o.maxProfileSeconds);
  positiveInt(problems, 'healthCheckTimeoutMs', o.healthCheckTimeoutMs);
  positiveInt(problems, 'certReloadIntervalMs', o.certReloadIntervalMs, 100);
  positiveInt(problems, 'headersTimeoutMs', o.headersTimeoutMs);
  positiveInt(problems, 'idleTimeoutMs', o.idleTimeoutMs);
  positiveInt(problems, 'requestTimeoutMs', o.requestTimeoutMs);
  positiveInt(problems, 'maxHeaderSize', o.maxHeaderSize, 1024);
  positiveInt(problems, 'maxConnections', o.maxConnections);
  positiveInt(problems, 'shutdownGracePeriodMs', o.shutdownGracePeriodMs, 0);
  if (Number.isInteger(o.requestTimeoutMs) && o.requestTimeoutMs <= o.maxProfileSeconds * 1000) {
    problems.push({
      path: 'requestTimeoutMs',
      message: `expected more than maxProfileSeconds (${o.maxProfileSeconds} s) so the longest profile completes, got ${o.requestTimeoutMs} ms`,
    });
  }
  if (o.headersTimeoutMs > o.requestTimeoutMs) {
    problems.push({
      path: 'headersTimeoutMs',
      message: `expected at most requestTimeoutMs (${o.requestTimeoutMs}), got ${o.headersTimeoutMs}`,
    });
  }
  if (tlsVersionFromGoName(o.tlsMinVersion) === undefined) {
    problems.push({
      path: 'tlsMinVersion',
      message: `unknown tls version ${JSON.stringify(o.tlsMinVersion)}`,
    });
  }
  const ciphers = ciphersFromGoNames(o.tlsCipherSuites);
  if (!ciphers.ok) problems.push({ path: 'tlsCipherSuites', message: ciphers.message });
  for (const [i, n] of o.selfSignedNames.entries()) {
    if (typeof n !== 'string' || n === '' || /[\s/%]/.test(n)) {
      problems.push({
        path: `selfSignedNames[${i}]`,
        message: `expected a DNS name or IP address, got ${JSON.stringify(n)}`,
      });
    }
  }
  for (const name of [o.certName, o.keyName]) {
    if (name === '' || name.includes('/') || name === '.' || name === '..') {
      problems.push({
        path: name === o.certName ? 'certName' : 'keyName',
        message: `expected a file name, got ${JSON.stringify(name)}`,
      });
    }
  }
  for (const [path, handler] of Object.entries(o.extraHandlers)) {
    if (typeof handler !== 'function') {
      problems.push({
        path: `extraHandlers[${JSON.stringify(path)}]`,
        message: `expected a request handler function, got ${typeof handler}`,
      });
    }
    if (!path.startsWith('/') || cleanPath(path) !== path) {
      problems.push({
        path: `extraHandlers[${JSON.stringify(path)}]`,
        message: `expected a clean absolute path (like ${JSON.stringify(cleanPath('/' + path))}), got ${JSON.stringify(path)}`,
      });
    }
  }
  return problems;
}

/** Resolves and validates; throws `KDIAG_SERVER_INVALID_OPTIONS` listing every problem. */
export function applyDiagnosticsServerOptions(
  o: DiagnosticsServerOptions = {},
): ResolvedDiagnosticsServerOptions {
  const resolved = resolveDiagnosticsServerOptions(o);
  const problems = validateDiagnosticsServerOptions(resolved);
  if (problems.length > 0) throw invalidOptionsError(problems);
  return resolved;
}

export { BUILTIN_METRICS };
export type { HealthCheck };
