import { isIP } from 'node:net';
import {
  all,
  applyOptions,
  boolean,
  checkValue,
  custom,
  describe,
  duration,
  integer,
  isPlainObject,
  list,
  matches,
  object,
  oneOf,
  string,
  withDefaults,
  type Check,
  type OptionProblem,
} from '@kubediag/options';
import { invalidOptions } from './errors.ts';

/*
 * The options of every envtest entry point, each in the one order of the kit: resolve fills defaults
 * (the environment's included), validate returns every problem with its path, apply throws once.
 */

// ---- startControlPlane ----

/** Options of {@link startControlPlane}. Every field is optional. */
export interface ControlPlaneOptions {
  /**
   * Write an audit log of TokenReview and SubjectAccessReview requests (level Metadata, everything
   * else None) so tests can count apiserver-side reviews with `readAuditEvents()`.
   * @default false (no audit log)
   */
  readonly auditLog?: boolean;
  /**
   * Extra kube-apiserver flags, appended after the harness's own (a later flag wins for scalar flags).
   * @default [] (none)
   */
  readonly extraApiServerArgs?: readonly string[];
  /**
   * Extra etcd flags, appended after the harness's own.
   * @default [] (none)
   */
  readonly extraEtcdArgs?: readonly string[];
  /**
   * How long etcd and kube-apiserver together may take to become ready (etcd `/health`, apiserver
   * `/readyz`). A cold 2-core machine needs 10-20 s.
   * @default 60000
   */
  readonly startTimeoutMs?: number;
  /**
   * How long stop() waits after SIGTERM before SIGKILL.
   * @default 5000 (0 kills at once)
   */
  readonly stopTimeoutMs?: number;
  /**
   * How many times start is retried with fresh ports after a port conflict.
   * @default 3 (0 turns retries off)
   */
  readonly portConflictRetries?: number;
  /**
   * Use the cluster of `KUBECONFIG` (for example kind) instead of starting one.
   * @default true when `KUBEDIAG_USE_EXISTING_CLUSTER` is `1` or `true`, else false
   */
  readonly useExistingCluster?: boolean;
  /**
   * Directory holding `kube-apiserver` and `etcd`.
   * @default `KUBEDIAG_ASSETS`, else `KUBEBUILDER_ASSETS` when it holds kube-apiserver, etcd and
   *   kubectl, else the setup command's cache directory
   */
  readonly assetsDir?: string | undefined;
}

/** {@link ControlPlaneOptions} with every default filled in. */
export interface ResolvedControlPlaneOptions {
  readonly auditLog: boolean;
  readonly extraApiServerArgs: readonly string[];
  readonly extraEtcdArgs: readonly string[];
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly portConflictRetries: number;
  readonly useExistingCluster: boolean;
  /** Undefined: `KUBEBUILDER_ASSETS` or the setup command's cache directory, found by `findPeer`. */
  readonly assetsDir: string | undefined;
}

const CONTROL_PLANE_DEFAULTS: ResolvedControlPlaneOptions = Object.freeze({
  auditLog: false,
  extraApiServerArgs: Object.freeze([]),
  extraEtcdArgs: Object.freeze([]),
  startTimeoutMs: 60_000,
  stopTimeoutMs: 5_000,
  portConflictRetries: 3,
  // Filled from the environment by resolveControlPlaneOptions.
  useExistingCluster: false,
  assetsDir: undefined,
});

const flags = list(string({ pattern: /^--/, expected: 'a flag starting with "--"' }));

const CONTROL_PLANE_SHAPE: Check = object({
  auditLog: boolean(),
  extraApiServerArgs: flags,
  extraEtcdArgs: flags,
  startTimeoutMs: duration({ min: 1, max: 3_600_000 }),
  stopTimeoutMs: duration({ max: 600_000 }),
  portConflictRetries: integer({ min: 0, max: 20 }),
  useExistingCluster: boolean(),
  assetsDir: string({ expected: 'a non-empty directory path' }),
});

/** True when `KUBEDIAG_USE_EXISTING_CLUSTER` asks for the existing cluster. */
function useExistingClusterFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env['KUBEDIAG_USE_EXISTING_CLUSTER']?.trim().toLowerCase();
  return v === '1' || v === 'true';
}

/**
 * Fills defaults, the environment's included (`KUBEDIAG_USE_EXISTING_CLUSTER`, `KUBEDIAG_ASSETS`);
 * an option given explicitly wins over the environment. Never throws, never validates.
 */
export function resolveControlPlaneOptions(
  options?: ControlPlaneOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedControlPlaneOptions {
  const assets = env['KUBEDIAG_ASSETS'];
  const fromEnv = {
    ...CONTROL_PLANE_DEFAULTS,
    useExistingCluster: useExistingClusterFromEnv(env),
    // An empty KUBEDIAG_ASSETS counts as unset, as in setup.sh.
    assetsDir: assets === '' ? undefined : assets,
  };
  return withDefaults<ResolvedControlPlaneOptions>(fromEnv, options);
}

/** Every problem of resolved control plane options, each with its path; empty when valid. */
export function validateControlPlaneOptions(resolved: ResolvedControlPlaneOptions): OptionProblem[] {
  return checkValue(CONTROL_PLANE_SHAPE, resolved);
}

/** resolve → validate → throw KDIAG_ENVTEST_INVALID_OPTIONS once. */
export function applyControlPlaneOptions(options?: ControlPlaneOptions): ResolvedControlPlaneOptions {
  return applyOptions(options, {
    resolve: (input) => resolveControlPlaneOptions(input),
    validate: validateControlPlaneOptions,
    invalid: (problems) => invalidOptions('invalid control plane options', problems),
  });
}

// ---- createToken ----

/** The shortest TokenRequest lifetime the apiserver accepts, in seconds. */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;

/** Options of {@link createToken}. */
export interface CreateTokenOptions {
  /**
   * Audiences the token is valid for.
   * @default [] (the apiserver's own: its service-account issuer)
   */
  readonly audiences?: readonly string[];
  /**
   * Lifetime in seconds; the apiserver requires at least 600.
   * @default 3600
   */
  readonly expirationSeconds?: number;
}

/** {@link CreateTokenOptions} with every default filled in. */
export interface ResolvedCreateTokenOptions {
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
}

const TOKEN_DEFAULTS: ResolvedCreateTokenOptions = Object.freeze({
  audiences: Object.freeze([]),
  expirationSeconds: 3600,
});

const TOKEN_SHAPE: Check = object({
  audiences: list(string()),
  expirationSeconds: integer({ min: MIN_TOKEN_EXPIRATION_SECONDS }),
});

/** Fills the defaults of createToken options; never throws, never validates. */
export function resolveCreateTokenOptions(options?: CreateTokenOptions): ResolvedCreateTokenOptions {
  return withDefaults<ResolvedCreateTokenOptions>(TOKEN_DEFAULTS, options);
}

/** Every problem of resolved createToken options, each with its path; empty when valid. */
export function validateCreateTokenOptions(resolved: ResolvedCreateTokenOptions): OptionProblem[] {
  return checkValue(TOKEN_SHAPE, resolved);
}

/** resolve → validate → throw KDIAG_ENVTEST_INVALID_OPTIONS once. */
export function applyCreateTokenOptions(options?: CreateTokenOptions): ResolvedCreateTokenOptions {
  return applyOptions(options, {
    resolve: resolveCreateTokenOptions,
    validate: validateCreateTokenOptions,
    invalid: (problems) => invalidOptions('invalid token options', problems),
  });
}

// ---- findPeer ----

/** Options of {@link findPeer}. */
export interface FindPeerOptions {
  /**
   * Directory of kube-apiserver, etcd and kubectl.
   * @default `KUBEDIAG_ASSETS`, else `KUBEBUILDER_ASSETS` when it holds all three, else the setup
   *   command's cache directory
   */
  readonly dir?: string | undefined;
  /**
   * The environment to read `KUBEDIAG_*`, `KUBEBUILDER_ASSETS` and `PATH` from.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
}

/** {@link FindPeerOptions} with every default filled in. */
export interface ResolvedFindPeerOptions {
  readonly dir: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

const FIND_PEER_SHAPE: Check = object({
  dir: string({ expected: 'a non-empty directory path' }),
  // process.env is not a plain object, so this is checked by kind rather than by `record`.
  env: matches((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an environment object'),
});

/** Fills the defaults of findPeer options; never throws, never validates. */
export function resolveFindPeerOptions(options?: FindPeerOptions): ResolvedFindPeerOptions {
  // process.env is read here, at call time, so that a test that replaces it is honoured.
  return withDefaults<ResolvedFindPeerOptions>({ dir: undefined, env: process.env }, options);
}

/** Every problem of resolved findPeer options, each with its path; empty when valid. */
export function validateFindPeerOptions(resolved: ResolvedFindPeerOptions): OptionProblem[] {
  return checkValue(FIND_PEER_SHAPE, resolved);
}

/** resolve → validate → throw KDIAG_ENVTEST_INVALID_OPTIONS once. */
export function applyFindPeerOptions(options?: FindPeerOptions): ResolvedFindPeerOptions {
  return applyOptions(options, {
    resolve: resolveFindPeerOptions,
    validate: validateFindPeerOptions,
    invalid: (problems) => invalidOptions('invalid find peer options', problems),
  });
}

// ---- TestCertificateAuthority.issue ----

/** How a test certificate may be used, where, and when. */
export interface TestCertificateOptions {
  /** Extended key usage: TLS server or TLS client. @default 'client' */
  readonly usage?: 'server' | 'client';
  /** DNS subject alternative names (server certificates). @default [] */
  readonly dnsNames?: readonly string[];
  /** IP subject alternative names (server certificates). @default [] */
  readonly ipAddresses?: readonly string[];
  /** Start of validity. @default an hour ago */
  readonly notBefore?: Date | undefined;
  /** End of validity; a date in the past gives an expired certificate. @default in a week */
  readonly notAfter?: Date | undefined;
}

/** {@link TestCertificateOptions} with every default filled in; undefined dates are the CA's own. */
export interface ResolvedTestCertificateOptions {
  readonly usage: 'server' | 'client';
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly notBefore: Date | undefined;
  readonly notAfter: Date | undefined;
}

const CERTIFICATE_DEFAULTS: ResolvedTestCertificateOptions = Object.freeze({
  usage: 'client',
  dnsNames: Object.freeze([]),
  ipAddresses: Object.freeze([]),
  // The validity window of the test PKI (an hour back, a week ahead), computed when issuing.
  notBefore: undefined,
  notAfter: undefined,
});

const date = matches((v) => v instanceof Date && !Number.isNaN(v.getTime()), 'a valid Date');

const CERTIFICATE_SHAPE: Check = object({
  usage: oneOf(['server', 'client']),
  dnsNames: list(string()),
  ipAddresses: list(
    all(
      string(),
      custom((v) => (isIP(v as string) === 0 ? `expected an IP address, got ${describe(v)}` : undefined)),
    ),
  ),
  notBefore: date,
  notAfter: date,
});

/** Fills the defaults of test certificate options; never throws, never validates. */
export function resolveTestCertificateOptions(
  options?: TestCertificateOptions,
): ResolvedTestCertificateOptions {
  return withDefaults<ResolvedTestCertificateOptions>(CERTIFICATE_DEFAULTS, options);
}

/** Every problem of resolved test certificate options, each with its path; empty when valid. */
export function validateTestCertificateOptions(resolved: ResolvedTestCertificateOptions): OptionProblem[] {
  const problems = checkValue(CERTIFICATE_SHAPE, resolved);
  const { notBefore, notAfter } = resolved;
  if (problems.length === 0 && notBefore !== undefined && notAfter !== undefined && notAfter <= notBefore)
    problems.push({ path: 'notAfter', message: 'expected a date after notBefore' });
  return problems;
}

/** resolve → validate → throw KDIAG_ENVTEST_INVALID_OPTIONS once. */
export function applyTestCertificateOptions(
  options?: TestCertificateOptions,
): ResolvedTestCertificateOptions {
  return applyOptions(options, {
    resolve: resolveTestCertificateOptions,
    validate: validateTestCertificateOptions,
    invalid: (problems) => invalidOptions('invalid test certificate options', problems),
  });
}

// ---- startCollector ----

/** TLS on the collector's OTLP receivers (gRPC and HTTP), PEM files. */
export interface CollectorTlsOptions {
  /** The serving certificate. Required with `tls`. */
  readonly certFile: string;
  /** Its private key. Required with `tls`. */
  readonly keyFile: string;
  /**
   * Require client certificates signed by this CA (mutual TLS).
   * @default undefined (no client certificate asked for)
   */
  readonly clientCaFile?: string | undefined;
}

/** Options of {@link startCollector}. Every field is optional. */
export interface CollectorOptions {
  /**
   * Serve OTLP over TLS (and ask for client certificates with `clientCaFile`).
   * @default undefined (plain gRPC and HTTP, as a Kubernetes TracingConfiguration endpoint is dialed)
   */
  readonly tls?: CollectorTlsOptions | undefined;
  /**
   * How long the collector may take to report "Everything is ready".
   * @default 30000
   */
  readonly startTimeoutMs?: number;
  /**
   * How long stop() waits after SIGTERM before SIGKILL.
   * @default 5000 (0 kills at once)
   */
  readonly stopTimeoutMs?: number;
}

/** {@link CollectorOptions} with every default filled in. */
export interface ResolvedCollectorOptions {
  readonly tls: CollectorTlsOptions | undefined;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

const COLLECTOR_DEFAULTS: ResolvedCollectorOptions = Object.freeze({
  tls: undefined,
  startTimeoutMs: 30_000,
  stopTimeoutMs: 5_000,
});

// Paths are written into the collector's YAML configuration unquoted: no characters YAML reads specially.
const pemFile = string({ pattern: /^[\w./@+-]+$/, expected: 'a file path of letters, digits and ./_@+-' });

const COLLECTOR_SHAPE: Check = object({
  tls: object({ certFile: pemFile, keyFile: pemFile, clientCaFile: pemFile }),
  startTimeoutMs: duration({ min: 1, max: 3_600_000 }),
  stopTimeoutMs: duration({ max: 600_000 }),
});

/** Fills the defaults of collector options; never throws, never validates. */
export function resolveCollectorOptions(options?: CollectorOptions): ResolvedCollectorOptions {
  return withDefaults<ResolvedCollectorOptions>(COLLECTOR_DEFAULTS, options);
}

/** Every problem of resolved collector options, each with its path; empty when valid. */
export function validateCollectorOptions(resolved: ResolvedCollectorOptions): OptionProblem[] {
  const problems = checkValue(COLLECTOR_SHAPE, resolved);
  const tls: unknown = resolved.tls;
  if (isPlainObject(tls)) {
    for (const field of ['certFile', 'keyFile'] as const) {
      if (tls[field] === undefined)
        problems.push({ path: `tls.${field}`, message: 'expected a file path, got undefined' });
    }
  }
  return problems;
}

/** resolve → validate → throw KDIAG_ENVTEST_INVALID_OPTIONS once. */
export function applyCollectorOptions(options?: CollectorOptions): ResolvedCollectorOptions {
  return applyOptions(options, {
    resolve: resolveCollectorOptions,
    validate: validateCollectorOptions,
    invalid: (problems) => invalidOptions('invalid collector options', problems),
  });
}

// ---- startPrometheus ----

/** Options of {@link startPrometheus}. Every field is optional. */
export interface PrometheusOptions {
  /**
   * Which Prometheus: `2` is the Debian package on PATH (2.42, which falls back to the text format on
   * any Content-Type); `3` is the one `setup.sh --only prometheus` builds (3.16: negotiates OpenMetrics
   * first, fails a scrape on a missing or unknown Content-Type, takes `scrapeProtocols`).
   * @default 2
   */
  readonly version?: 2 | 3;
  /**
   * Keep the exemplars of OpenMetrics scrapes (`--enable-feature=exemplar-storage`), for
   * `queryExemplars`.
   * @default false
   */
  readonly exemplarStorage?: boolean;
}

/** {@link PrometheusOptions} with every default filled in. */
export interface ResolvedPrometheusOptions {
  readonly version: 2 | 3;
  readonly exemplarStorage: boolean;
}

const PROMETHEUS_DEFAULTS: ResolvedPrometheusOptions = Object.freeze({ version: 2, exemplarStorage: false });

const PROMETHEUS_SHAPE: Check = object({ version: oneOf([2, 3]), exemplarStorage: boolean() });

/** Fills the defaults of startPrometheus options; never throws, never validates. */
export function resolvePrometheusOptions(options?: PrometheusOptions): ResolvedPrometheusOptions {
  return withDefaults<ResolvedPrometheusOptions>(PROMETHEUS_DEFAULTS, options);
}

/** Every problem of resolved startPrometheus options, each with its path; empty when valid. */
export function validatePrometheusOptions(resolved: ResolvedPrometheusOptions): OptionProblem[] {
  return checkValue(PROMETHEUS_SHAPE, resolved);
}

/** resolve → validate → throw KDIAG_ENVTEST_INVALID_OPTIONS once. */
export function applyPrometheusOptions(options?: PrometheusOptions): ResolvedPrometheusOptions {
  return applyOptions(options, {
    resolve: resolvePrometheusOptions,
    validate: validatePrometheusOptions,
    invalid: (problems) => invalidOptions('invalid prometheus options', problems),
  });
}

// ---- arguments that are data rather than options (scrape jobs, RBAC rules, subjects) ----

/**
 * Throws KDIAG_ENVTEST_INVALID_OPTIONS when `value`, the argument named `path`, fails `check`: the
 * same refusal, with paths, for the plain-object arguments that are not options blocks.
 */
export function assertArgument(what: string, check: Check, value: unknown, path: string): void {
  const problems = checkValue(check, value, path);
  if (problems.length > 0) throw invalidOptions(what, problems);
}
