import {
  all,
  applyOptions,
  boolean,
  checkValue,
  custom,
  describe,
  duration,
  formatProblems,
  integer,
  list,
  matches,
  number,
  object,
  string,
  withDefaults,
  type OptionProblem,
} from '@kubediag/options';
import { checkAlwaysAllowPath } from './always-allow-paths.ts';
import type { AuditSink } from './audit.ts';
import { AuthnAuthzError, AuthnAuthzErrorCode } from './errors.ts';
import { isKubeConfigLike } from './kube-config.ts';
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
 * The budget of reviews for identities not cached: a token never seen (or not seen for a while), a
 * decision for a (user, verb, path) never allowed. Beyond it those fail closed at once with 503 and
 * `Retry-After`; identities whose answers are cached never wait on it and are never refused by it.
 */
export interface ReviewBudgetOptions {
  /**
   * Reviews in flight at once (identical ones merged count once). Reviews refreshing a known
   * identity count but are never refused. `0` turns the bound off.
   * @default 32 (the connections of the review client's pool: more would only queue there)
   */
  readonly maxInFlight?: number;
  /**
   * Reviews a second, sustained (a token bucket). `0` turns the rate limit off.
   * @default 20 (controller-runtime's client-side QPS before it left limits to the apiserver)
   */
  readonly ratePerSecond?: number;
  /**
   * Reviews that may go at once on top of the rate after a quiet spell (the bucket's size).
   * @default 40
   */
  readonly burst?: number;
  /**
   * Longest `Retry-After` of the apiserver honoured: after a 429, or any answer with `Retry-After`, no
   * review for an identity not cached goes out until then (a 429 without it: 1 s). `0` turns it off.
   * @default 60_000 (1 min)
   */
  readonly maxRetryAfterMs?: number;
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
   * Bytes the token cache may hold, each entry counted at its size (digest, user, bookkeeping).
   * `0` leaves only the entry bound.
   * @default 4_194_304 (4 MiB)
   */
  readonly tokenCacheMaxBytes?: number;
  /**
   * Bytes the authorization cache may hold, each entry counted at its size (its key holds the user
   * and the path, which a caller chooses). `0` leaves only the entry bound.
   * @default 8_388_608 (8 MiB)
   */
  readonly authorizationCacheMaxBytes?: number;
  /**
   * Longest bearer token reviewed; a longer one, or one with characters outside RFC 6750's b64token,
   * is refused with 401 without a TokenReview. `0` turns the length bound off.
   * @default 8192 (4–8 times a ServiceAccount token; a header line through nginx's default buffers)
   */
  readonly maxTokenBytes?: number;
  /** The budget of reviews for identities not cached. */
  readonly reviewBudget?: ReviewBudgetOptions;
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
  readonly clientCAFile?: string | undefined;
  /**
   * PEM text of CAs trusted for TLS client certificates. Exclusive with `clientCAFile`.
   * @default undefined
   */
  readonly clientCA?: string | undefined;
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
  readonly reviewClient?: ReviewClient | undefined;
}

/** {@link AuthnAuthzOptions} with every default filled in; assignable to AuthnAuthzOptions. */
export interface ResolvedAuthnAuthzOptions {
  readonly tokenCacheTTLMs: number;
  readonly allowedTTLMs: number;
  readonly deniedTTLMs: number;
  readonly reviewTimeoutMs: number;
  readonly retry: Required<RetryOptions>;
  readonly tokenCacheSize: number;
  readonly authorizationCacheSize: number;
  readonly tokenCacheMaxBytes: number;
  readonly authorizationCacheMaxBytes: number;
  readonly maxTokenBytes: number;
  readonly reviewBudget: Required<ReviewBudgetOptions>;
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

// The one place the defaults are written: controller-runtime's values, and the apiserver's where it
// has none (webhook backoff, authorizer cache size).
const DEFAULTS: ResolvedAuthnAuthzOptions = Object.freeze({
  tokenCacheTTLMs: 60_000,
  allowedTTLMs: 300_000,
  deniedTTLMs: 30_000,
  reviewTimeoutMs: 10_000,
  retry: Object.freeze({ initialDelayMs: 500, factor: 1.5, jitter: 0.2, attempts: 5 }),
  tokenCacheSize: 4096,
  authorizationCacheSize: 8192,
  tokenCacheMaxBytes: 4 * 1024 * 1024,
  authorizationCacheMaxBytes: 8 * 1024 * 1024,
  maxTokenBytes: 8192,
  reviewBudget: Object.freeze({ maxInFlight: 32, ratePerSecond: 20, burst: 40, maxRetryAfterMs: 60_000 }),
  staleIfErrorGraceMs: 300_000,
  audiences: Object.freeze([]),
  clientCAFile: undefined,
  clientCA: undefined,
  clientCAReloadIntervalMs: 10_000,
  alwaysAllowPaths: Object.freeze(['/healthz', '/livez', '/readyz']),
  alwaysAllowGroups: Object.freeze(['system:masters']),
  anonymous: false,
  audit: 4,
  kubeConfig: undefined,
  reviewClient: undefined,
});

const MAX_CACHE_SIZE = 1_000_000;
const MAX_CACHE_BYTES = 2 ** 40;
const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

const cacheSize = integer({ min: 1, max: MAX_CACHE_SIZE });
const cacheBytes = integer({ min: 0, max: MAX_CACHE_BYTES });

const isAuditSetting = (v: unknown): boolean =>
  v === false ||
  typeof v === 'function' ||
  (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 10);

const isReviewClient = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Partial<ReviewClient>).tokenReview === 'function' &&
  typeof (v as Partial<ReviewClient>).subjectAccessReview === 'function';

const SHAPE = object({
  tokenCacheTTLMs: duration(),
  allowedTTLMs: duration(),
  deniedTTLMs: duration(),
  // A review that may take no time at all would always time out.
  reviewTimeoutMs: duration({ min: 1 }),
  retry: object({
    initialDelayMs: duration(),
    factor: number({ min: 1, max: 10 }),
    jitter: number({ min: 0, max: 1 }),
    attempts: integer({ min: 1, max: 20 }),
  }),
  tokenCacheSize: cacheSize,
  authorizationCacheSize: cacheSize,
  tokenCacheMaxBytes: cacheBytes,
  authorizationCacheMaxBytes: cacheBytes,
  maxTokenBytes: integer({ min: 0, max: MAX_CACHE_SIZE }),
  reviewBudget: object({
    maxInFlight: integer({ min: 0, max: MAX_CACHE_SIZE }),
    ratePerSecond: number({ min: 0, max: MAX_CACHE_SIZE }),
    // A bucket smaller than one review would refuse every review.
    burst: integer({ min: 1, max: MAX_CACHE_SIZE }),
    maxRetryAfterMs: duration(),
  }),
  staleIfErrorGraceMs: duration(),
  audiences: list(string()),
  clientCAFile: string({ expected: 'a non-empty file path' }),
  clientCA: custom((v) =>
    typeof v === 'string' && v.includes(PEM_CERTIFICATE)
      ? undefined
      : `expected PEM text with at least one "${PEM_CERTIFICATE}" block, got ${typeof v === 'string' ? 'text without one' : describe(v)}`,
  ),
  clientCAReloadIntervalMs: duration(),
  // '' and '/' are the root path, as in kube-apiserver's --authorization-always-allow-paths.
  alwaysAllowPaths: list(
    all(
      string({ allowEmpty: true, expected: 'a string' }),
      custom((v) => checkAlwaysAllowPath(v as string)),
    ),
  ),
  alwaysAllowGroups: list(string()),
  anonymous: boolean(),
  audit: matches(isAuditSetting, 'a verbosity from 0 to 10, a function or false'),
  kubeConfig: matches(isKubeConfigLike, 'a @kubernetes/client-node KubeConfig'),
  reviewClient: matches(isReviewClient, 'an object with tokenReview and subjectAccessReview functions'),
});

/** Fills the defaults (an explicit `0`, `[]` or `false` is kept); never throws, never validates. */
export function resolveAuthnAuthzOptions(options?: AuthnAuthzOptions): ResolvedAuthnAuthzOptions {
  return withDefaults<ResolvedAuthnAuthzOptions>(DEFAULTS, options);
}

/**
 * Every problem of resolved options, each with its path (empty when valid), e.g.
 * `{ path: 'alwaysAllowPaths[1]', message: 'only trailing * allowed in "a*b"' }` or
 * `{ path: 'retry.atempts', message: 'unknown option; did you mean "attempts"?' }`.
 */
export function validateAuthnAuthzOptions(resolved: ResolvedAuthnAuthzOptions): OptionProblem[] {
  const problems = checkValue(SHAPE, resolved);
  if (resolved.clientCAFile !== undefined && resolved.clientCA !== undefined)
    problems.push({ path: 'clientCA', message: 'expected either clientCAFile or clientCA, got both' });
  return problems;
}

/**
 * resolve → validate → throws `KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS` listing every problem. Options it
 * returned are not validated a second time when passed back in.
 */
export function applyAuthnAuthzOptions(options?: AuthnAuthzOptions): ResolvedAuthnAuthzOptions {
  return applyOptions(options, {
    resolve: resolveAuthnAuthzOptions,
    validate: validateAuthnAuthzOptions,
    invalid: (problems) =>
      new AuthnAuthzError(
        AuthnAuthzErrorCode.INVALID_OPTIONS,
        `invalid authn-authz-filter options: ${formatProblems(problems)}`,
        { problems },
      ),
  });
}
