import {
  resolveAuthnAuthzOptions,
  validateAuthnAuthzOptions,
  type AuthnAuthzOptions,
  type ResolvedAuthnAuthzOptions,
} from '@kubediag/authn-authz-filter';
import {
  resolveClientMetricsOptions,
  validateClientMetricsOptions,
  type ClientMetricsOptions,
  type ResolvedClientMetricsOptions,
} from '@kubediag/client-metrics';
import {
  resolveDiagnosticsServerOptions,
  validateDiagnosticsServerOptions,
  type DiagnosticsServerOptions,
  type FilterProvider,
  type ResolvedDiagnosticsServerOptions,
} from '@kubediag/diagnostics-server';
import {
  resolveLoggerOptions,
  validateLoggerOptions,
  type Logger,
  type LoggerOptions,
  type ResolvedLoggerOptions,
} from '@kubediag/klog';
import {
  hasMethods,
  all,
  boolean,
  checkValue,
  func,
  integer,
  isPlainObject,
  list,
  matches,
  number,
  object,
  record,
  string,
  union,
  withDefaults,
  type Check,
  type OptionProblem,
} from '@kubediag/options';
import {
  resolvePprofOptions,
  validatePprofOptions,
  type PprofOptions,
  type ResolvedPprofOptions,
} from '@kubediag/pprof';
import {
  resolveTracingProviderOptions,
  validateTracingProviderOptions,
  type ResolvedTracingProviderOptions,
  type TracingConfiguration,
  type TracingProviderOptions,
} from '@kubediag/tracing-config';
import type { DefaultMetricsCollectorConfiguration, Registry } from 'prom-client';
import { delegatedBlock, setByWithDiagnostics } from './internal/blocks.ts';
import { staticRuleCheck, type StaticRule } from './static-auth/static-rules.ts';

/**
 * The diagnostics port's own options: everything of `@kubediag/diagnostics-server` except what
 * `withDiagnostics` wires itself (logger, registry, filter, pprof handler, verbosity control).
 */
export type DiagnosticsPortOptions = Omit<
  DiagnosticsServerOptions,
  'logger' | 'registry' | 'filterProvider' | 'kubeConfig' | 'verbosityControl' | 'pprofHandler'
>;

/** Authentication and authorization of the port: `@kubediag/authn-authz-filter` options. */
export type DiagnosticsAuthOptions = Omit<AuthnAuthzOptions, 'kubeConfig' | 'reviewClient'>;

/**
 * `/debug/pprof/*`: `@kubediag/pprof` options; the logger is `withDiagnostics`' own. Unlike
 * `createPprofHandler`, `flightRecorder.enabled` defaults to `true` here (measured cost: README).
 */
export type DiagnosticsProfilingOptions = Omit<PprofOptions, 'logger'>;

/**
 * Static authentication and authorization, for running without a cluster (the demo, local
 * development): a token file in kube-apiserver's `--token-auth-file` CSV format and RBAC-shaped rules.
 * The same filter runs as in production, answering from this table instead of the apiserver.
 * Never the production default.
 */
export interface StaticAuthOptions {
  /** Path of a `token,user,uid,"group1,group2"` CSV file. Exclusive with `tokens`. */
  tokenFile?: string;
  /** The same CSV, inline (e.g. generated at start). Exclusive with `tokenFile`. */
  tokens?: string;
  /** Who may call what; verbs are lowercase (`get`, `put`, ...). @default [] (only always-allow groups pass) */
  rules?: readonly StaticRule[];
}

/** StaticAuthOptions with every default filled in. */
export interface ResolvedStaticAuthOptions {
  readonly tokenFile?: string;
  readonly tokens?: string;
  readonly rules: readonly StaticRule[];
}

/** Tracing of the operator; off unless a configuration file or object is given. */
export interface DiagnosticsTracingOptions {
  /** A `TracingConfiguration` file (`--tracing-config-file`). Exclusive with `config`. @default none */
  configFile?: string;
  /** A configuration object instead of a file. Exclusive with `configFile`. @default none */
  config?: TracingConfiguration;
  /** `@kubediag/tracing-config` provider options. @default { serviceName: the diagnostics `name` } */
  provider?: Partial<TracingProviderOptions>;
}

/** DiagnosticsTracingOptions with the provider's defaults filled in. */
export interface ResolvedDiagnosticsTracingOptions {
  readonly configFile?: string;
  readonly config?: TracingConfiguration;
  readonly provider: ResolvedTracingProviderOptions;
}

/** prom-client's process and Node.js runtime metrics: their options, but the registry is `metrics.registry`. */
export type DefaultMetricsOptions = Omit<
  DefaultMetricsCollectorConfiguration<'text/plain; version=0.0.4; charset=utf-8'>,
  'register'
>;

/** The metrics served at `/metrics`. */
export interface DiagnosticsMetricsOptions {
  /**
   * The registry served at `/metrics` and handed back to you.
   * @default prom-client's global `register`, so metrics you already define appear too
   */
  registry?: Registry;
  /** prom-client's process and Node.js runtime metrics: `true`, `false`, or their options. @default true */
  defaultMetrics?: boolean | DefaultMetricsOptions;
}

/** DiagnosticsMetricsOptions with every default filled in. */
export interface ResolvedDiagnosticsMetricsOptions {
  /** Unset means prom-client's global `register`, imported only when it is needed. */
  readonly registry?: Registry;
  readonly defaultMetrics: boolean | DefaultMetricsOptions;
}

/**
 * The operator's own apiserver traffic, informers and leadership: `@kubediag/client-metrics` options;
 * the registry is `metrics.registry`, the apiserver the top-level `kubeConfig`'s.
 */
export type DiagnosticsClientMetricsOptions = Omit<ClientMetricsOptions, 'registry' | 'kubeConfig'>;

/** DiagnosticsClientMetricsOptions with every default filled in. */
export type ResolvedDiagnosticsClientMetricsOptions = Omit<
  ResolvedClientMetricsOptions,
  'registry' | 'kubeConfig'
>;

/** Options of `withDiagnostics`. Every field is optional; every block refuses keys it does not know. */
export interface DiagnosticsOptions {
  /**
   * The operator's name: `service.name` of its spans and the component name of `/statusz`.
   * @default 'operator'
   */
  name?: string;
  /** The diagnostics port (bind address, TLS, timeouts, ...). @default secure on `:8443` */
  server?: DiagnosticsPortOptions;
  /** Authentication and authorization in secure mode. @default controller-runtime's values */
  auth?: DiagnosticsAuthOptions;
  /** Replaces the default filter (TokenReview + SubjectAccessReview) with any provider of the same shape. */
  filterProvider?: FilterProvider;
  /** Static tokens and rules instead of the apiserver. Exclusive with `filterProvider`. */
  staticAuth?: StaticAuthOptions;
  /** The logger's options. Exclusive with `logger`. @default klog text on stderr */
  logging?: LoggerOptions;
  /** An existing `@kubediag/klog` logger. Exclusive with `logging`. @default one made from `logging` */
  logger?: Logger;
  /** The registry served at `/metrics` and prom-client's default metrics. */
  metrics?: DiagnosticsMetricsOptions;
  /**
   * `/debug/pprof/*` options, or `false` to not register pprof (and run no flight recorder).
   * The flight recorder runs in every mode; pprof is served in secure mode only.
   * @default { flightRecorder: { enabled: true } }
   */
  profiling?: DiagnosticsProfilingOptions | false;
  /** Tracing; off unless a configuration file or object is given. */
  tracing?: DiagnosticsTracingOptions;
  /**
   * Requests to the apiserver of `kubeConfig` counted as client-go counts them
   * (`rest_client_requests_total`), and how observed informers are judged.
   * @default requests counted, no durations, informer bounds 30 s down and 5 min silent
   */
  clientMetrics?: DiagnosticsClientMetricsOptions;
  /**
   * The Kubernetes client configuration (a `@kubernetes/client-node` KubeConfig) used for the
   * reviews. @default in-cluster when in a pod, else `KUBECONFIG`; never a silent localhost fallback
   */
  kubeConfig?: unknown;
}

/**
 * DiagnosticsOptions with every block resolved by its own package. `auth` is unset when the port
 * is not secure and none was given; `logging` is unset when a `logger` is given.
 */
export interface ResolvedDiagnosticsOptions {
  readonly name: string;
  readonly server: ResolvedDiagnosticsServerOptions;
  readonly auth?: ResolvedAuthnAuthzOptions;
  readonly filterProvider?: FilterProvider;
  readonly staticAuth?: ResolvedStaticAuthOptions;
  readonly logging?: ResolvedLoggerOptions;
  readonly logger?: Logger;
  readonly metrics: ResolvedDiagnosticsMetricsOptions;
  readonly profiling: ResolvedPprofOptions | false;
  readonly tracing: ResolvedDiagnosticsTracingOptions;
  readonly clientMetrics: ResolvedDiagnosticsClientMetricsOptions;
  readonly kubeConfig?: unknown;
}

const DEFAULT_NAME = 'operator';
const METRICS_DEFAULTS: ResolvedDiagnosticsMetricsOptions = Object.freeze({ defaultMetrics: true });
const STATIC_AUTH_DEFAULTS: ResolvedStaticAuthOptions = Object.freeze({ rules: Object.freeze([]) });

const isLogger = hasMethods('info', 'error', 'V', 'withName', 'withValues');

/** Keys of each package's block that `withDiagnostics` sets itself, with what to pass instead. */
const SERVER_WIRED = {
  logger: 'the top-level "logger" (or "logging")',
  registry: '"metrics.registry"',
  filterProvider: 'the top-level "filterProvider" (or "staticAuth", or "auth")',
  kubeConfig: 'the top-level "kubeConfig"',
  verbosityControl: 'the top-level "logger", whose verbosity PUT /debug/flags/v changes',
  pprofHandler: 'the top-level "profiling"',
} as const;
const AUTH_WIRED = {
  kubeConfig: 'the top-level "kubeConfig"',
  reviewClient: 'the top-level "staticAuth" or "filterProvider"',
} as const;
const PROFILING_WIRED = { logger: 'the top-level "logger"' } as const;
const CLIENT_METRICS_WIRED = {
  registry: '"metrics.registry"',
  kubeConfig: 'the top-level "kubeConfig"',
} as const;

const STATIC_AUTH_SHAPE: Check = object({
  tokenFile: string(),
  tokens: string(),
  rules: list(staticRuleCheck),
});

const DEFAULT_METRICS_SHAPE: Check = union(
  'a boolean or prom-client default-metrics options',
  [(v) => typeof v === 'boolean', boolean()],
  [
    isPlainObject,
    object({
      prefix: string({ allowEmpty: true }),
      gcDurationBuckets: list(number({ min: 0 })),
      eventLoopMonitoringPrecision: integer({ min: 1 }),
      labels: record(all()),
      register: setByWithDiagnostics('"metrics.registry"'),
    }),
  ],
);

const SHAPE: Check = object({
  name: string(),
  server: delegatedBlock(validateDiagnosticsServerOptions, SERVER_WIRED),
  auth: delegatedBlock(validateAuthnAuthzOptions, AUTH_WIRED),
  filterProvider: func('a FilterProvider (context) => filter'),
  staticAuth: STATIC_AUTH_SHAPE,
  logging: delegatedBlock(validateLoggerOptions, {}),
  logger: matches(isLogger, 'a @kubediag/klog Logger'),
  metrics: object({
    registry: matches(hasMethods('metrics', 'getSingleMetric'), 'a prom-client Registry'),
    defaultMetrics: DEFAULT_METRICS_SHAPE,
  }),
  profiling: union(
    'false or profiling options',
    [(v) => v === false, all()],
    [isPlainObject, delegatedBlock(validatePprofOptions, PROFILING_WIRED)],
  ),
  tracing: object({
    configFile: string(),
    config: matches(isPlainObject, 'a TracingConfiguration object'),
    provider: delegatedBlock(validateTracingProviderOptions, {}),
  }),
  clientMetrics: delegatedBlock(validateClientMetricsOptions, CLIENT_METRICS_WIRED),
  // Opaque here: handed to the filter provider, which says what it accepts.
  kubeConfig: all(),
});

/** A block resolved by `resolve` when it is an options object (or unset); anything else is kept for validation to refuse. */
function resolveBlock<R>(value: unknown, resolve: (block: Record<string, unknown>) => R): R {
  if (value === undefined) return resolve({});
  return isPlainObject(value) ? resolve(value) : (value as R);
}

function field(block: unknown, key: string): unknown {
  return isPlainObject(block) ? block[key] : undefined;
}

/**
 * 1. resolve: each block by its own package's resolve, plus the defaults only the composition knows
 * (the tracing service and `/statusz` component named after `name`, one client CA for both sides of
 * mTLS, the profile bound of pprof taken from the server's, the flight recorder on). Never throws,
 * never validates.
 */
export function resolveDiagnosticsOptions(options: DiagnosticsOptions = {}): ResolvedDiagnosticsOptions {
  const o = options as Readonly<Record<string, unknown>>;
  // A name of the wrong type is kept for validation to refuse; the derived defaults use the default.
  const name = typeof o['name'] === 'string' ? o['name'] : DEFAULT_NAME;
  const clientCAFile = sharedClientCAFile(o['server'], o['auth']);

  const server = resolveBlock(o['server'], (block) =>
    resolveDiagnosticsServerOptions({
      ...(clientCAFile === undefined ? {} : { clientCAFile }),
      ...block,
      zpages: withComponentName(block['zpages'], name) as NonNullable<DiagnosticsServerOptions['zpages']>,
    }),
  );
  const secure = field(server, 'secureServing') !== false;
  const auth =
    o['auth'] === undefined && !secure
      ? undefined
      : resolveBlock(o['auth'], (block) =>
          resolveAuthnAuthzOptions({
            ...(clientCAFile === undefined || block['clientCA'] !== undefined ? {} : { clientCAFile }),
            ...block,
          }),
        );
  const logging =
    o['logging'] === undefined && o['logger'] !== undefined
      ? undefined
      : resolveBlock(o['logging'], (block) => resolveLoggerOptions(block));
  const profiling =
    o['profiling'] === false
      ? false
      : resolveBlock(o['profiling'], (block) =>
          resolvePprofOptions(
            withFlightRecorderOn(withProfileBound(block, field(server, 'maxProfileSeconds'))),
          ),
        );
  const tracing = resolveBlock(o['tracing'], (block) =>
    Object.freeze({
      ...block,
      provider: resolveBlock(block['provider'], (provider) =>
        resolveTracingProviderOptions({ serviceName: name, ...provider }),
      ),
    }),
  );
  // Resolved without its registry, which withDiagnostics adds (a block given with one is refused).
  const clientMetrics = resolveBlock(o['clientMetrics'], (block) =>
    resolveClientMetricsOptions(block as unknown as ClientMetricsOptions),
  );
  return Object.freeze({
    ...o,
    name: o['name'] === undefined ? DEFAULT_NAME : (o['name'] as string),
    server,
    ...(auth === undefined ? {} : { auth }),
    ...(logging === undefined ? {} : { logging }),
    metrics: withDefaults<ResolvedDiagnosticsMetricsOptions>(METRICS_DEFAULTS, o['metrics']),
    ...(o['staticAuth'] === undefined
      ? {}
      : { staticAuth: withDefaults<ResolvedStaticAuthOptions>(STATIC_AUTH_DEFAULTS, o['staticAuth']) }),
    profiling,
    tracing,
    clientMetrics,
  });
}

/** One client CA serves both sides of mTLS: the server asks for certificates, the filter verifies them. */
function sharedClientCAFile(server: unknown, auth: unknown): string | undefined {
  for (const file of [field(auth, 'clientCAFile'), field(server, 'clientCAFile')])
    if (typeof file === 'string' && file !== '') return file;
  return undefined;
}

/** `/statusz` names the operator unless told otherwise; `zpages: false` stays off. */
function withComponentName(zpages: unknown, name: string): unknown {
  if (zpages === undefined) return { componentName: name };
  if (!isPlainObject(zpages) || zpages['componentName'] !== undefined) return zpages;
  return { ...zpages, componentName: name };
}

/** The server's request timeout is derived from maxProfileSeconds: pprof must refuse longer profiles. */
function withProfileBound(profiling: Record<string, unknown>, maxProfileSeconds: unknown): PprofOptions {
  const cpu = profiling['cpu'];
  if (typeof maxProfileSeconds !== 'number' || (cpu !== undefined && !isPlainObject(cpu))) return profiling;
  if (field(cpu, 'maxSeconds') !== undefined) return profiling;
  return { ...profiling, cpu: { ...(cpu ?? {}), maxSeconds: maxProfileSeconds } };
}

/**
 * The flight recorder is on unless turned off: pprof's own default is off (a library handler must
 * not start a profiler unasked), an operator wired here gets it (its cost measured in the README).
 */
function withFlightRecorderOn(profiling: PprofOptions): PprofOptions {
  const recorder: unknown = profiling.flightRecorder;
  if (recorder === undefined) return { ...profiling, flightRecorder: { enabled: true } };
  if (!isPlainObject(recorder) || recorder['enabled'] !== undefined) return profiling;
  return { ...profiling, flightRecorder: { ...recorder, enabled: true } };
}

/**
 * 2. validate: every block by its own package's validate, under the block's path, then the rules
 * only the composition can see. Every problem, each with its full path; empty when valid.
 */
export function validateDiagnosticsOptions(resolved: ResolvedDiagnosticsOptions): OptionProblem[] {
  const problems = checkValue(SHAPE, resolved);
  const valid = (path: string): boolean => problems.every((p) => p.path !== path);
  const { server, auth, staticAuth, tracing } = resolved;

  if (resolved.filterProvider !== undefined && staticAuth !== undefined)
    problems.push({ path: 'staticAuth', message: 'cannot be combined with filterProvider; choose one' });
  if (resolved.logger !== undefined && resolved.logging !== undefined)
    problems.push({
      path: 'logging',
      message: 'cannot be combined with logger, which has its own verbosity and format; choose one',
    });
  if (isPlainObject(staticAuth)) {
    if (staticAuth.tokenFile === undefined && staticAuth.tokens === undefined)
      problems.push({ path: 'staticAuth', message: 'expected tokenFile or tokens, got neither' });
    if (staticAuth.tokenFile !== undefined && staticAuth.tokens !== undefined)
      problems.push({ path: 'staticAuth.tokens', message: 'cannot be combined with tokenFile; choose one' });
  }
  if (isPlainObject(tracing) && tracing.configFile !== undefined && tracing.config !== undefined)
    problems.push({
      path: 'tracing.config',
      message: 'cannot be combined with tracing.configFile; choose one',
    });
  if (!isPlainObject(server)) return problems;

  if (
    server.secureServing === false &&
    (resolved.filterProvider !== undefined || staticAuth !== undefined || auth !== undefined)
  )
    problems.push({
      path: 'server.secureServing',
      message:
        'is false (insecure mode serves /metrics without authentication); auth, staticAuth and filterProvider apply only in secure mode',
    });
  const serverCA = server.clientCAFile;
  const authCA = isPlainObject(auth) ? auth.clientCAFile : undefined;
  if (serverCA !== undefined && authCA !== undefined && serverCA !== authCA)
    problems.push({
      path: 'auth.clientCAFile',
      message: `expected the same file as server.clientCAFile (${JSON.stringify(serverCA)}): one client CA serves both sides of mTLS, got ${JSON.stringify(authCA)}`,
    });
  const profileMax = field(field(resolved.profiling, 'cpu'), 'maxSeconds');
  if (
    valid('server.maxProfileSeconds') &&
    valid('profiling.cpu.maxSeconds') &&
    typeof profileMax === 'number' &&
    profileMax > server.maxProfileSeconds
  )
    problems.push({
      path: 'profiling.cpu.maxSeconds',
      message: `expected at most server.maxProfileSeconds (${server.maxProfileSeconds}), which bounds the request timeout, got ${profileMax}`,
    });
  return problems;
}
