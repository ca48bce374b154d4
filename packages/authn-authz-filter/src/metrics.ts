import type { DecisionResult } from './decision.ts';
import type { ThrottleReason } from './errors.ts';
import type { CacheObserver } from './internal/review-cache.ts';
import type { Segment, SegmentUsage } from './internal/segmented-lru.ts';
import type { MalformedTokenReason } from './internal/token-format.ts';

/**
 * A prom-client Registry, structurally (any compatible registry, or a second copy of prom-client,
 * works). Both methods are optional in the type so that hosts declaring a narrower registry fit; a
 * registry without `registerMetric` gets no metrics from this package.
 */
export interface MetricsRegistry {
  registerMetric?(metric: never): void;
  getSingleMetric?(name: string): unknown;
}

/** Names of the metrics this package registers. Labels never carry a credential. */
export const METRIC_NAMES: {
  readonly decisions: 'kubediag_authn_authz_decisions_total';
  readonly reviewDuration: 'kubediag_authn_authz_review_duration_seconds';
  readonly cacheHits: 'kubediag_authn_authz_cache_hits_total';
  readonly cacheMisses: 'kubediag_authn_authz_cache_misses_total';
  readonly staleServed: 'kubediag_authn_authz_stale_decisions_total';
  readonly reviewsInFlight: 'kubediag_authn_authz_reviews_in_flight';
  readonly reviewRetries: 'kubediag_authn_authz_review_retries_total';
  readonly throttled: 'kubediag_authn_authz_throttled_total';
  readonly malformedTokens: 'kubediag_authn_authz_malformed_tokens_total';
  readonly cacheBytes: 'kubediag_authn_authz_cache_bytes';
} = {
  /** Counter, label `result` (see DecisionResult). */
  decisions: 'kubediag_authn_authz_decisions_total',
  /** Histogram in seconds, labels `review` (`token`|`subject_access`) and `outcome` (`success`|`error`). */
  reviewDuration: 'kubediag_authn_authz_review_duration_seconds',
  /** Counter, label `cache` (`token`|`authorization`). */
  cacheHits: 'kubediag_authn_authz_cache_hits_total',
  /** Counter, label `cache`. */
  cacheMisses: 'kubediag_authn_authz_cache_misses_total',
  /** Counter, label `cache`: answers served past their TTL while the apiserver was unreachable. */
  staleServed: 'kubediag_authn_authz_stale_decisions_total',
  /** Gauge, label `review`: apiserver calls in flight. */
  reviewsInFlight: 'kubediag_authn_authz_reviews_in_flight',
  /** Counter, label `review`: retries of transient review failures. */
  reviewRetries: 'kubediag_authn_authz_review_retries_total',
  /**
   * Counter, labels `review` and `reason` (`in_flight_limit`, `rate_limit`, `apiserver_backoff`):
   * requests failed closed with 503 by the review budget.
   */
  throttled: 'kubediag_authn_authz_throttled_total',
  /** Counter, label `reason` (`too_long`, `bad_characters`): tokens refused with 401 unreviewed. */
  malformedTokens: 'kubediag_authn_authz_malformed_tokens_total',
  /** Gauge, labels `cache` and `segment` (`probation`, `protected`): bytes the caches hold. */
  cacheBytes: 'kubediag_authn_authz_cache_bytes',
};

export type ReviewKind = 'token' | 'subject_access';
export type CacheKind = 'token' | 'authorization';

/** Reads the usage of one cache's segments, at scrape time. */
export type CacheUsageReader = (segment: Segment) => SegmentUsage;

/** The recording side used by the core; a no-op when no registry is given. */
export interface FilterMetrics {
  decision(result: DecisionResult): void;
  cacheHit(cache: CacheKind): void;
  cacheMiss(cache: CacheKind): void;
  stale(cache: CacheKind): void;
  retry(review: ReviewKind): void;
  /** Marks a review started; call the returned function with its outcome when it ends. */
  reviewStarted(review: ReviewKind): (outcome: 'success' | 'error') => void;
  throttled(review: ReviewKind, reason: ThrottleReason): void;
  malformedToken(reason: MalformedTokenReason): void;
  /** Reports a cache's bytes from now on; the returned function stops it (the filter closes). */
  watchCache(cache: CacheKind, read: CacheUsageReader): () => void;
}

/** The cache events of one review cache, counted under its `cache` label. */
export function cacheObserver(metrics: FilterMetrics, cache: CacheKind): CacheObserver {
  return {
    hit: () => metrics.cacheHit(cache),
    miss: () => metrics.cacheMiss(cache),
    stale: () => metrics.stale(cache),
  };
}

const noop = () => {};
export const noopMetrics: FilterMetrics = {
  decision: noop,
  cacheHit: noop,
  cacheMiss: noop,
  stale: noop,
  retry: noop,
  reviewStarted: () => noop,
  throttled: noop,
  malformedToken: noop,
  watchCache: () => noop,
};

interface Inc {
  inc(value?: number): void;
}
interface LabelledCounter {
  labels(...values: string[]): Inc;
}

const RESULTS: readonly DecisionResult[] = [
  'allowed',
  'always_allowed_path',
  'always_allowed_group',
  'unauthorized',
  'forbidden',
  'authentication_error',
  'authorization_error',
  'throttled',
];
const CACHES: readonly CacheKind[] = ['token', 'authorization'];
const REVIEWS: readonly ReviewKind[] = ['token', 'subject_access'];
const THROTTLE_REASONS: readonly ThrottleReason[] = ['in_flight_limit', 'rate_limit', 'apiserver_backoff'];
const MALFORMED: readonly MalformedTokenReason[] = ['too_long', 'bad_characters'];
const SEGMENTS: readonly Segment[] = ['probation', 'protected'];

interface CacheWatch {
  readonly cache: CacheKind;
  readonly read: CacheUsageReader;
}
/**
 * The caches reporting into each registry's bytes gauge. By registry, not in the gauge's closure, so
 * that a second filter on the same registry (which reuses the gauge) is reported too.
 */
const watchedCaches = new WeakMap<object, Set<CacheWatch>>();

/**
 * Registers the metrics on `registry` (prom-client imported lazily, only then). Registering twice on
 * one registry reuses the existing metrics instead of failing with "already registered".
 *
 * The per-request counters (decisions, cache hits and misses) count into plain numbers and are
 * handed to prom-client when the registry is collected, so a cache hit pays no label hashing.
 */
export async function createFilterMetrics(registry: MetricsRegistry | undefined): Promise<FilterMetrics> {
  if (registry === undefined || typeof registry.registerMetric !== 'function') return noopMetrics;
  const prom = await import('prom-client');
  // Reuse a metric already registered under the name (a second filter, hot reload); structurally,
  // since it may come from another copy of prom-client.
  const existing = <T>(name: string): T | undefined => {
    const m = registry.getSingleMetric?.(name);
    return m === undefined || m === null ? undefined : (m as T);
  };
  const registers = [registry as unknown as InstanceType<typeof prom.Registry>];

  /** A counter with one label; returns an incrementer per label value. */
  const counter = <K extends string>(
    name: string,
    help: string,
    label: string,
    values: readonly K[],
  ): Record<K, () => void> => {
    const reused = existing<LabelledCounter>(name);
    if (reused !== undefined) {
      return Object.fromEntries(values.map((v) => [v, () => reused.labels(v).inc()])) as Record<
        K,
        () => void
      >;
    }
    const counts = values.map(() => 0);
    const flushed = values.map(() => 0);
    new prom.Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect(this: LabelledCounter) {
        values.forEach((v, i) => {
          const delta = counts[i]! - flushed[i]!;
          flushed[i] = counts[i]!;
          // inc(0) too, so every series exists from the first scrape.
          this.labels(v).inc(delta);
        });
      },
    });
    return Object.fromEntries(values.map((v, i) => [v, () => void counts[i]!++])) as Record<K, () => void>;
  };

  const byResult = counter(
    METRIC_NAMES.decisions,
    'Authentication and authorization decisions of the diagnostics filter, by result.',
    'result',
    RESULTS,
  );
  const hitBy = counter(
    METRIC_NAMES.cacheHits,
    'Review cache hits of the diagnostics filter.',
    'cache',
    CACHES,
  );
  const missBy = counter(
    METRIC_NAMES.cacheMisses,
    'Review cache misses of the diagnostics filter.',
    'cache',
    CACHES,
  );
  const staleBy = counter(
    METRIC_NAMES.staleServed,
    'Cached review answers served past their TTL because the apiserver could not be reached.',
    'cache',
    CACHES,
  );
  const retryBy = counter(
    METRIC_NAMES.reviewRetries,
    'Retries of transient TokenReview and SubjectAccessReview failures.',
    'review',
    REVIEWS,
  );
  const duration =
    existing<InstanceType<typeof prom.Histogram>>(METRIC_NAMES.reviewDuration) ??
    new prom.Histogram({
      name: METRIC_NAMES.reviewDuration,
      help: 'Latency of TokenReview and SubjectAccessReview calls to the apiserver, retries included.',
      labelNames: ['review', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  const inFlight =
    existing<InstanceType<typeof prom.Gauge>>(METRIC_NAMES.reviewsInFlight) ??
    new prom.Gauge({
      name: METRIC_NAMES.reviewsInFlight,
      help: 'TokenReview and SubjectAccessReview calls to the apiserver in flight.',
      labelNames: ['review'],
      registers,
    });
  // Touch the gauge children so both series exist (at 0) from the start.
  for (const r of REVIEWS) inFlight.labels(r).inc(0);
  const malformedBy = counter(
    METRIC_NAMES.malformedTokens,
    'Bearer tokens refused with 401 without a TokenReview: too long, or characters outside RFC 6750 b64token.',
    'reason',
    MALFORMED,
  );
  // Under a flood only: a refusal skips the review, so the label lookup is not on a path that matters.
  const throttledBy =
    existing<LabelledCounter>(METRIC_NAMES.throttled) ??
    new prom.Counter({
      name: METRIC_NAMES.throttled,
      help: 'Requests failed closed with 503 by the review budget for identities not cached, by reason.',
      labelNames: ['review', 'reason'],
      registers,
    });
  for (const r of REVIEWS) for (const reason of THROTTLE_REASONS) throttledBy.labels(r, reason).inc(0);
  let watches = watchedCaches.get(registry);
  if (watches === undefined) {
    const all = new Set<CacheWatch>();
    watches = all;
    watchedCaches.set(registry, all);
    if (existing(METRIC_NAMES.cacheBytes) === undefined) {
      new prom.Gauge({
        name: METRIC_NAMES.cacheBytes,
        help: 'Bytes held by the review caches of the diagnostics filter, each entry counted at its size.',
        labelNames: ['cache', 'segment'],
        registers,
        collect(this: InstanceType<typeof prom.Gauge>) {
          for (const cache of CACHES)
            for (const segment of SEGMENTS) {
              let bytes = 0;
              for (const w of all) if (w.cache === cache) bytes += w.read(segment).bytes;
              this.labels(cache, segment).set(bytes);
            }
        },
      });
    }
  }
  const watching = watches;

  return {
    decision: (result) => byResult[result](),
    cacheHit: (cache) => hitBy[cache](),
    cacheMiss: (cache) => missBy[cache](),
    stale: (cache) => staleBy[cache](),
    retry: (review) => retryBy[review](),
    reviewStarted(review) {
      inFlight.labels(review).inc();
      const start = process.hrtime.bigint();
      return (outcome) => {
        inFlight.labels(review).dec();
        duration.labels(review, outcome).observe(Number(process.hrtime.bigint() - start) / 1e9);
      };
    },
    throttled: (review, reason) => throttledBy.labels(review, reason).inc(),
    malformedToken: (reason) => malformedBy[reason](),
    watchCache(cache, read) {
      const w: CacheWatch = { cache, read };
      watching.add(w);
      return () => void watching.delete(w);
    },
  };
}
