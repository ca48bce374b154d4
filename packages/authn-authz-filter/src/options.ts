import { checkAlwaysAllowPath } from './always-allow-paths.ts';
import type { AuditSink } from './audit.ts';
import { AuthnAuthzError, ERROR_CODES } from './errors.ts';
import type { OptionProblem } from './errors.ts';
import type { ReviewClient } from './review-client.ts';

/** Retry policy for reviews that fail transiently (connection reset, 429, 500, 504, Retry-After). */
export interface RetryOptions {
  /**
   * Sleep before the second attempt, in ms.
   * @default 500 (the apiserver webhook backoff)
   */
  readonly initialDelayMs?: number;
  /**
   * Multiplier applied to the sleep after each attempt.
   * @default 1.5
   */
  readonly factor?: number;
  /**
   * Random extra fraction of each sleep, 0..1.
   * @default 0.2
   */
  readonly jitter?: number;
  /**
   * Attempts in total, first one included; `1` turns retries off.
   * @default 5
   */
  readonly attempts?: number;
}

/**
 * Options of {@link withAuthenticationAndAuthorization} and {@link createAuthnAuthz}. Durations are in
 * milliseconds; defaults are controller-runtime's `filters.WithAuthenticationAndAuthorization` values.
 */
export interface AuthnAuthzOptions {
  /**
   * How long a TokenReview answer (authenticated or not) is reused. `0` turns the token cache off.
   * @default 60_000 (1 min)
   */
  readonly tokenCacheTTLMs?: number;
  /**
   * How long an allowed SubjectAccessReview is reused. `0` turns caching of allowed decisions off.
   * @default 300_000 (5 min)
   */
  readonly allowedTTLMs?: number;
  /**
   * How long a denied (or no-opinion) SubjectAccessReview is reused. `0` turns it off.
   * @default 30_000 (30 s)
   */
  readonly deniedTTLMs?: number;
  /**
   * Budget of one review, retries included; the request fails closed after it.
   * @default 10_000 (10 s)
   */
  readonly reviewTimeoutMs?: number;
  /** Retries of transient review failures. */
  readonly retry?: RetryOptions;
  /**
   * Entries of the token review cache (LRU).
   * @default 4096
   */
  readonly tokenCacheSize?: number;
  /**
   * Entries of the authorization decision cache (LRU).
   * @default 8192 (as the apiserver's webhook authorizer)
   */
  readonly authorizationCacheSize?: number;
  /**
   * While the apiserver cannot be reached (refused, reset, timeout, 5xx, 429), an authenticated token
   * and an allowed decision are still served for this long after their TTL ran out. Denials and errors
   * are never served stale; identities not seen before fail closed. `0` turns it off.
   * @default 300_000 (5 min)
   */
  readonly staleIfErrorGraceMs?: number;
  /**
   * Audiences sent with every TokenReview; a token must be valid for at least one of them. Empty
   * means the apiserver's own audiences (controller-runtime's behaviour).
   * @default []
   */
  readonly audiences?: readonly string[];
  /**
   * PEM file of CAs trusted for TLS client certificates (user = CN, groups = O), re-read when it
   * changes. Unset (and no `clientCA`) turns client-certificate authentication off. Exclusive with
   * `clientCA`.
   * @default undefined
   */
  readonly clientCAFile?: string;
  /**
   * PEM text of CAs trusted for TLS client certificates. Exclusive with `clientCAFile`.
   * @default undefined
   */
  readonly clientCA?: string;
  /**
   * How often `clientCAFile` is checked for changes. `0` turns reloading off.
   * @default 10_000 (10 s)
   */
  readonly clientCAReloadIntervalMs?: number;
  /**
   * Paths served without authentication or authorization (kubelet probes carry no token), in
   * kube-apiserver syntax: leading `/` optional, a trailing `*` for a prefix. `[]` turns it off.
   * @default ['/healthz', '/livez', '/readyz']
   */
  readonly alwaysAllowPaths?: readonly string[];
  /**
   * Authenticated users in any of these groups skip the SubjectAccessReview. `[]` turns it off.
   * @default ['system:masters']
   */
  readonly alwaysAllowGroups?: readonly string[];
  /**
   * Requests without credentials are authorized as `system:anonymous` (group
   * `system:unauthenticated`) instead of being answered 401. Invalid credentials are still 401.
   * @default false
   */
  readonly anonymous?: boolean;
  /**
   * Audit record of every decision (an `audit.k8s.io/v1` Event at level Metadata): a number logs it
   * through the logger at that verbosity, a function receives it, `false` turns it off.
   * @default 4
   */
  readonly audit?: number | false | AuditSink;
  /**
   * A `@kubernetes/client-node` KubeConfig for the reviews; overrides the host's `FilterContext.kubeConfig`.
   * Without either, `KUBECONFIG`, then the in-cluster service account are used.
   * @default undefined
   */
  readonly kubeConfig?: unknown;
  /**
   * Makes the reviews instead of the built-in HTTPS client (custom transports, tests). When set, no
   * KubeConfig is loaded.
   * @default undefined
   */
  readonly reviewClient?: ReviewClient;
}

/** Options with every default filled in. */
export interface ResolvedAuthnAuthzOptions {
  readonly tokenCacheTTLMs: number;
  readonly allowedTTLMs: number;
  readonly deniedTTLMs: number;
  readonly reviewTimeoutMs: number;
  readonly retry: Required<RetryOptions>;
  readonly tokenCacheSize: number;
  readonly authorizationCacheSize: number;
  readonly staleIfErrorGraceMs: number;
  readonly audiences: readonly string[];
  readonly clientCAFile: string | undefined;
  readonly clientCA: string | undefined;
  readonly clientCAReloadIntervalMs: number;
  readonly alwaysAllowPaths: readonly string[];
  readonly alwaysAllowGroups: readonly string[];
  readonly anonymous: boolean;
  readonly audit: number | false | AuditSink;
  readonly kubeConfig: unknown;
  readonly reviewClient: ReviewClient | undefined;
}

export const DEFAULT_AUTHN_AUTHZ_OPTIONS: Readonly<{
  tokenCacheTTLMs: 60_000;
  allowedTTLMs: 300_000;
  deniedTTLMs: 30_000;
  reviewTimeoutMs: 10_000;
  retry: Readonly<{ initialDelayMs: 500; factor: 1.5; jitter: 0.2; attempts: 5 }>;
  tokenCacheSize: 4096;
  authorizationCacheSize: 8192;
  staleIfErrorGraceMs: 300_000;
  audiences: readonly string[];
  clientCAReloadIntervalMs: 10_000;
  alwaysAllowPaths: readonly string[];
  alwaysAllowGroups: readonly string[];
  anonymous: false;
  audit: 4;
}> = Object.freeze({
  tokenCacheTTLMs: 60_000,
  allowedTTLMs: 300_000,
  deniedTTLMs: 30_000,
  reviewTimeoutMs: 10_000,
  retry: Object.freeze({ initialDelayMs: 500, factor: 1.5, jitter: 0.2, attempts: 5 }),
  tokenCacheSize: 4096,
  authorizationCacheSize: 8192,
  staleIfErrorGraceMs: 300_000,
  audiences: Object.freeze([]),
  clientCAReloadIntervalMs: 10_000,
  alwaysAllowPaths: Object.freeze(['/healthz', '/livez', '/readyz']),
  alwaysAllowGroups: Object.freeze(['system:masters']),
  anonymous: false,
  audit: 4,
});

/** Fills defaults (with `??`: an explicit `0` or `[]` is kept). Does not validate. */
export function resolveAuthnAuthzOptions(options: AuthnAuthzOptions = {}): ResolvedAuthnAuthzOptions {
  const d = DEFAULT_AUTHN_AUTHZ_OPTIONS;
  return {
    tokenCacheTTLMs: options.tokenCacheTTLMs ?? d.tokenCacheTTLMs,
    allowedTTLMs: options.allowedTTLMs ?? d.allowedTTLMs,
    deniedTTLMs: options.deniedTTLMs ?? d.deniedTTLMs,
    reviewTimeoutMs: options.reviewTimeoutMs ?? d.reviewTimeoutMs,
    retry: {
      initialDelayMs: options.retry?.initialDelayMs ?? d.retry.initialDelayMs,
      factor: options.retry?.factor ?? d.retry.factor,
      jitter: options.retry?.jitter ?? d.retry.jitter,
      attempts: options.retry?.attempts ?? d.retry.attempts,
    },
    tokenCacheSize: options.tokenCacheSize ?? d.tokenCacheSize,
    authorizationCacheSize: options.authorizationCacheSize ?? d.authorizationCacheSize,
    staleIfErrorGraceMs: options.staleIfErrorGraceMs ?? d.staleIfErrorGraceMs,
    audiences: options.audiences ?? d.audiences,
    clientCAFile: options.clientCAFile,
    clientCA: options.clientCA,
    clientCAReloadIntervalMs: options.clientCAReloadIntervalMs ?? d.clientCAReloadIntervalMs,
    alwaysAllowPaths: options.alwaysAllowPaths ?? d.alwaysAllowPaths,
    alwaysAllowGroups: options.alwaysAllowGroups ?? d.alwaysAllowGroups,
    anonymous: options.anonymous ?? d.anonymous,
    audit: options.audit ?? d.audit,
    kubeConfig: options.kubeConfig,
    reviewClient: options.reviewClient,
  };
}

const KNOWN_KEYS = new Set<string>([
  'tokenCacheTTLMs',
  'allowedTTLMs',
  'deniedTTLMs',
  'reviewTimeoutMs',
  'retry',
  'tokenCacheSize',
  'authorizationCacheSize',
  'staleIfErrorGraceMs',
  'audiences',
  'clientCAFile',
  'clientCA',
  'clientCAReloadIntervalMs',
  'alwaysAllowPaths',
  'alwaysAllowGroups',
  'anonymous',
  'audit',
  'kubeConfig',
  'reviewClient',
]);
const RETRY_KEYS = new Set<string>(['initialDelayMs', 'factor', 'jitter', 'attempts']);

/** Longest duration option accepted (24 h): larger values are almost certainly seconds-vs-ms slips. */
const MAX_DURATION = 86_400_000;
const MAX_CACHE_SIZE = 1_000_000;

function got(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Checks every option and returns every problem (empty when valid), each with its field path, e.g.
 * `{ path: 'alwaysAllowPaths[1]', message: 'only trailing * allowed in "a*b"' }`.
 */
export function validateAuthnAuthzOptions(options: unknown): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (options === undefined) return problems;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    add('', `expected an options object, got ${got(options)}`);
    return problems;
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) add(key, `unknown option; expected one of ${[...KNOWN_KEYS].join(', ')}`);
  }
  const duration = (path: string, value: unknown, min: number) => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_DURATION) {
      add(
        path,
        `expected an integer number of milliseconds from ${min} to ${MAX_DURATION}, got ${got(value)}`,
      );
    }
  };
  const size = (path: string, value: unknown) => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CACHE_SIZE) {
      add(path, `expected an integer from 1 to ${MAX_CACHE_SIZE}, got ${got(value)}`);
    }
  };
  const strings = (path: string, value: unknown, check?: (s: string) => string | undefined) => {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      add(path, `expected an array of strings, got ${got(value)}`);
      return;
    }
    value.forEach((item: unknown, i) => {
      if (typeof item !== 'string' || (check === undefined && item === '')) {
        add(`${path}[${i}]`, `expected a non-empty string, got ${got(item)}`);
        return;
      }
      const problem = check?.(item);
      if (problem !== undefined) add(`${path}[${i}]`, problem);
    });
  };

  duration('tokenCacheTTLMs', o['tokenCacheTTLMs'], 0);
  duration('allowedTTLMs', o['allowedTTLMs'], 0);
  duration('deniedTTLMs', o['deniedTTLMs'], 0);
  duration('reviewTimeoutMs', o['reviewTimeoutMs'], 1);
  duration('staleIfErrorGraceMs', o['staleIfErrorGraceMs'], 0);
  duration('clientCAReloadIntervalMs', o['clientCAReloadIntervalMs'], 0);
  size('tokenCacheSize', o['tokenCacheSize']);
  size('authorizationCacheSize', o['authorizationCacheSize']);

  const retry = o['retry'];
  if (retry !== undefined) {
    if (typeof retry !== 'object' || retry === null || Array.isArray(retry)) {
      add('retry', `expected an object, got ${got(retry)}`);
    } else {
      const r = retry as Record<string, unknown>;
      for (const key of Object.keys(r)) {
        if (!RETRY_KEYS.has(key))
          add(`retry.${key}`, `unknown option; expected one of ${[...RETRY_KEYS].join(', ')}`);
      }
      duration('retry.initialDelayMs', r['initialDelayMs'], 0);
      const factor = r['factor'];
      if (
        factor !== undefined &&
        (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 10)
      ) {
        add('retry.factor', `expected a number from 1 to 10, got ${got(factor)}`);
      }
      const jitter = r['jitter'];
      if (
        jitter !== undefined &&
        (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0 || jitter > 1)
      ) {
        add('retry.jitter', `expected a number from 0 to 1, got ${got(jitter)}`);
      }
      const attempts = r['attempts'];
      if (
        attempts !== undefined &&
        (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 20)
      ) {
        add('retry.attempts', `expected an integer from 1 to 20, got ${got(attempts)}`);
      }
    }
  }

  strings('audiences', o['audiences']);
  strings('alwaysAllowGroups', o['alwaysAllowGroups']);
  strings('alwaysAllowPaths', o['alwaysAllowPaths'], checkAlwaysAllowPath);

  const caFile = o['clientCAFile'];
  const ca = o['clientCA'];
  if (caFile !== undefined && (typeof caFile !== 'string' || caFile === '')) {
    add('clientCAFile', `expected a non-empty file path, got ${got(caFile)}`);
  }
  if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))) {
    add(
      'clientCA',
      `expected PEM text with at least one "-----BEGIN CERTIFICATE-----" block, got ${typeof ca === 'string' ? 'text without one' : got(ca)}`,
    );
  }
  if (caFile !== undefined && ca !== undefined) {
    add('clientCA', 'expected either clientCAFile or clientCA, got both');
  }

  const anonymous = o['anonymous'];
  if (anonymous !== undefined && typeof anonymous !== 'boolean')
    add('anonymous', `expected a boolean, got ${got(anonymous)}`);

  const audit = o['audit'];
  if (
    audit !== undefined &&
    audit !== false &&
    typeof audit !== 'function' &&
    !(typeof audit === 'number' && Number.isInteger(audit) && audit >= 0 && audit <= 10)
  ) {
    add('audit', `expected a verbosity from 0 to 10, a function or false, got ${got(audit)}`);
  }

  const kc = o['kubeConfig'];
  if (
    kc !== undefined &&
    (typeof kc !== 'object' ||
      kc === null ||
      typeof (kc as Record<string, unknown>)['applyToHTTPSOptions'] !== 'function' ||
      typeof (kc as Record<string, unknown>)['getCurrentCluster'] !== 'function')
  ) {
    add('kubeConfig', `expected a @kubernetes/client-node KubeConfig, got ${got(kc)}`);
  }
  const rc = o['reviewClient'];
  if (
    rc !== undefined &&
    (typeof rc !== 'object' ||
      rc === null ||
      typeof (rc as Record<string, unknown>)['tokenReview'] !== 'function' ||
      typeof (rc as Record<string, unknown>)['subjectAccessReview'] !== 'function')
  ) {
    add(
      'reviewClient',
      `expected an object with tokenReview and subjectAccessReview functions, got ${got(rc)}`,
    );
  }
  return problems;
}

/** Validates, then resolves; throws `KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS` listing every problem. */
export function checkAuthnAuthzOptions(options: AuthnAuthzOptions | undefined): ResolvedAuthnAuthzOptions {
  const problems = validateAuthnAuthzOptions(options);
  if (problems.length > 0) {
    const list = problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ');
    throw new AuthnAuthzError(ERROR_CODES.INVALID_OPTIONS, `invalid authn-authz-filter options: ${list}`, {
      problems,
    });
  }
  return resolveAuthnAuthzOptions(options);
}
