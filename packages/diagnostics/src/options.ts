import type { AuthnAuthzOptions } from '@kubediag/authn-authz-filter';
import type { DiagnosticsServerOptions, FilterProvider } from '@kubediag/diagnostics-server';
import type { Logger, LoggerOptions } from '@kubediag/klog';
import type { PprofOptions } from '@kubediag/pprof';
import type { TracingConfiguration, TracingProviderOptions } from '@kubediag/tracing-config';
import type { DefaultMetricsCollectorConfiguration, Registry } from 'prom-client';
import type { StaticRule } from './static-auth/static-rules.ts';

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
 * Static authentication and authorization, for running without a cluster (the demo, local
 * development): a token file in kube-apiserver's `--token-auth-file` CSV format and RBAC-shaped rules.
 * The same filter runs as in production, answering from this table instead of the apiserver.
 * Never the production default.
 */
export interface StaticAuthOptions {
  /** Path of a `token,user,uid,"group1,group2"` CSV file. */
  tokenFile?: string;
  /** The same CSV, inline (e.g. generated at start). */
  tokens?: string;
  /** Who may call what. @default [] (only always-allow groups pass) */
  rules?: readonly StaticRule[];
}

export interface DiagnosticsTracingOptions {
  /** A `TracingConfiguration` file (`--tracing-config-file`). */
  configFile?: string;
  /** A configuration object instead of a file. */
  config?: TracingConfiguration;
  /** Provider options; `serviceName` defaults to the diagnostics `name`. */
  provider?: Partial<TracingProviderOptions>;
}

export interface DiagnosticsMetricsOptions {
  /**
   * The registry served at `/metrics` and handed back to you.
   * @default prom-client's global `register`, so metrics you already define appear too
   */
  registry?: Registry;
  /**
   * prom-client's process and Node.js runtime metrics: `true`, `false`, or their options.
   * @default true
   */
  defaultMetrics?:
    | boolean
    | Omit<DefaultMetricsCollectorConfiguration<'text/plain; version=0.0.4; charset=utf-8'>, 'register'>;
}

/** Options of {@link withDiagnostics}. Every field is optional. */
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
  /** The logger's options; ignored when `logger` is given. @default klog text on stderr, -v=2 */
  logging?: LoggerOptions;
  /** An existing `@kubediag/klog` logger. */
  logger?: Logger;
  metrics?: DiagnosticsMetricsOptions;
  /** `/debug/pprof/*` options, or `false` to not register pprof. @default {} */
  profiling?: PprofOptions | false;
  /** Tracing; off unless a configuration file or object is given. */
  tracing?: DiagnosticsTracingOptions;
  /**
   * The Kubernetes client configuration (a `@kubernetes/client-node` KubeConfig) used for the
   * reviews. @default in-cluster when in a pod, else `KUBECONFIG`; never a silent localhost fallback
   */
  kubeConfig?: unknown;
}

/** One invalid option, with its path from the root of {@link DiagnosticsOptions}. */
export interface DiagnosticsOptionProblem {
  readonly path: string;
  readonly message: string;
}

const TOP_LEVEL = new Set([
  'name',
  'server',
  'auth',
  'filterProvider',
  'staticAuth',
  'logging',
  'logger',
  'metrics',
  'profiling',
  'tracing',
  'kubeConfig',
]);

/** Problems only the composition can see; each package validates its own block. */
export function validateCompositionOptions(o: DiagnosticsOptions): DiagnosticsOptionProblem[] {
  const problems: DiagnosticsOptionProblem[] = [];
  for (const key of Object.keys(o)) {
    if (!TOP_LEVEL.has(key))
      problems.push({ path: key, message: `unknown option; expected one of ${[...TOP_LEVEL].join(', ')}` });
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) {
    problems.push({ path: 'name', message: `must be a non-empty string, got ${JSON.stringify(o.name)}` });
  }
  if (o.filterProvider !== undefined && typeof o.filterProvider !== 'function') {
    problems.push({ path: 'filterProvider', message: 'must be a function (ctx) => filter' });
  }
  if (o.filterProvider !== undefined && o.staticAuth !== undefined) {
    problems.push({ path: 'staticAuth', message: 'cannot be combined with filterProvider; choose one' });
  }
  const s = o.staticAuth;
  if (s !== undefined) {
    if (s.tokenFile === undefined && s.tokens === undefined) {
      problems.push({ path: 'staticAuth', message: 'needs tokenFile or tokens' });
    }
    if (s.tokenFile !== undefined && s.tokens !== undefined) {
      problems.push({ path: 'staticAuth.tokens', message: 'cannot be combined with tokenFile; choose one' });
    }
    (s.rules ?? []).forEach((r, i) => {
      const at = `staticAuth.rules[${i}]`;
      if (!r.users?.length && !r.groups?.length)
        problems.push({ path: at, message: 'needs users or groups' });
      if (!Array.isArray(r.nonResourceURLs) || r.nonResourceURLs.length === 0) {
        problems.push({ path: `${at}.nonResourceURLs`, message: 'must list at least one path' });
      }
      if (!Array.isArray(r.verbs) || r.verbs.length === 0) {
        problems.push({
          path: `${at}.verbs`,
          message: 'must list at least one verb (lowercased HTTP method or *)',
        });
      }
    });
  }
  if (o.tracing?.configFile !== undefined && o.tracing.config !== undefined) {
    problems.push({
      path: 'tracing.config',
      message: 'cannot be combined with tracing.configFile; choose one',
    });
  }
  if (
    o.metrics?.defaultMetrics !== undefined &&
    typeof o.metrics.defaultMetrics !== 'boolean' &&
    typeof o.metrics.defaultMetrics !== 'object'
  ) {
    problems.push({
      path: 'metrics.defaultMetrics',
      message: 'must be a boolean or prom-client collectDefaultMetrics options',
    });
  }
  return problems;
}

/** Prefixes each problem's path with the block it came from. */
export function under(
  prefix: string,
  problems: readonly { path: string; message: string }[],
): DiagnosticsOptionProblem[] {
  return problems.map((p) => ({ path: p.path === '' ? prefix : `${prefix}.${p.path}`, message: p.message }));
}
