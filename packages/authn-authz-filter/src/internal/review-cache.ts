import type { ReviewKind } from '../metrics.ts';
import type { Clock } from './clock.ts';
import type { ReviewBudget } from './review-budget.ts';
import { isUnavailable } from './retry.ts';
import type { Segment, SegmentUsage } from './segmented-lru.ts';
import { SegmentedLru } from './segmented-lru.ts';

/**
 * Where an answer came from: the cache, a review, a stale cache entry (the apiserver could not
 * answer), or the filter itself without asking (a malformed token).
 */
export type Source = 'cache' | 'review' | 'stale' | 'local';

export interface Outcome<V> {
  readonly value: V;
  readonly source: Source;
}

interface Entry<V> {
  readonly hit: Outcome<V>;
  readonly expiresAt: number;
  /** Until when the value may be served if the apiserver cannot answer; equals expiresAt when never. */
  readonly staleUntil: number;
}

/** Cache lifetime of one answer, decided by the caller from the answer itself. */
export interface Lifetime {
  readonly ttl: number;
  /** Extra time after `ttl` during which the answer may be served when the apiserver is unavailable. */
  readonly staleGrace: number;
}

export interface CacheObserver {
  hit(): void;
  miss(): void;
  stale(): void;
}

/** How a {@link ReviewCache} treats its answers; the caller knows what they mean. */
export interface ReviewCachePolicy<V> {
  /** Which review this cache makes, for the budget. */
  readonly kind: ReviewKind;
  readonly maxEntries: number;
  /** Infinity bounds entries only. */
  readonly maxBytes: number;
  readonly lifetime: (value: V) => Lifetime;
  /** A good answer (authenticated, allowed): one that may make its key known and be served stale. */
  readonly good: (value: V) => boolean;
  /** Bytes an entry of `key` holding `value` is counted at. */
  readonly sizeOf: (key: string, value: V) => number;
}

/** What a {@link ReviewCache} works with besides its policy. */
export interface ReviewCacheDeps {
  readonly clock: Clock;
  readonly budget: ReviewBudget;
  readonly observer: CacheObserver;
}

/**
 * A cache of review answers, bounded in entries and bytes and segmented (see SegmentedLru), with
 * singleflight and the review budget. Identical concurrent lookups share one review, admitted once,
 * which runs detached from any single request so that one client hanging up cannot fail the others.
 * A key whose good answer is in use (the protected segment) is known: its reviews are never refused
 * by the budget, and while the apiserver asks to back off its stale answer is served without asking.
 * Errors are never stored; an unavailable apiserver may be papered over with a stale good answer.
 */
export class ReviewCache<V> {
  readonly #entries: SegmentedLru<Entry<V>>;
  readonly #flights = new Map<string, Promise<V>>();
  readonly #policy: ReviewCachePolicy<V>;
  readonly #deps: ReviewCacheDeps;

  constructor(policy: ReviewCachePolicy<V>, deps: ReviewCacheDeps) {
    this.#entries = new SegmentedLru<Entry<V>>(policy.maxEntries, policy.maxBytes, (e) =>
      policy.good(e.hit.value),
    );
    this.#policy = policy;
    this.#deps = deps;
  }

  /** Number of reviews currently in flight (distinct keys). */
  get inFlight(): number {
    return this.#flights.size;
  }

  get size(): number {
    return this.#entries.size;
  }

  usage(segment: Segment): SegmentUsage {
    return this.#entries.usage(segment);
  }

  /**
   * A fresh cached answer, synchronously (the hot path allocates nothing), or undefined on a miss.
   * `key` undefined (uncacheable) is always a miss. `now` is the clock's reading, when the caller
   * already has one (a request reads the clock once, not once per cache).
   */
  hit(key: string | undefined, now?: number): Outcome<V> | undefined {
    if (key === undefined) return undefined;
    const entry = this.#entries.get(key);
    if (entry === undefined || (now ?? this.#deps.clock.now()) >= entry.expiresAt) return undefined;
    this.#deps.observer.hit();
    return entry.hit;
  }

  /**
   * After {@link hit} missed: joins the review in flight for `key` or starts one, if the budget
   * admits it (else rejects with `KDIAG_AUTHN_AUTHZ_REVIEW_THROTTLED`). `review` is told whether the
   * key is known. When the review fails because the apiserver is unavailable and a good answer for
   * `key` is still within its stale grace, that answer is returned with source `stale`.
   */
  miss(key: string | undefined, review: (known: boolean) => Promise<V>): Promise<Outcome<V>> {
    this.#deps.observer.miss();
    const { budget, clock } = this.#deps;
    if (key === undefined) {
      const refusal = budget.admit(this.#policy.kind, false);
      if (refusal !== undefined) return Promise.reject(refusal);
      return this.#admitted(review, false).then((value) => ({ value, source: 'review' as const }));
    }
    const now = clock.now();
    const peeked = this.#entries.peek(key);
    const entry = peeked !== undefined && now < peeked.staleUntil ? peeked : undefined;
    const known = this.#entries.isProtected(key);
    if (known && entry !== undefined && budget.backingOff(now)) return Promise.resolve(this.#stale(entry));
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const refusal = budget.admit(this.#policy.kind, known);
      if (refusal !== undefined) return Promise.reject(refusal);
      flight = this.#run(key, this.#admitted(review, known));
      this.#flights.set(key, flight);
    }
    return flight.then(
      (value) => ({ value, source: 'review' as const }),
      (err: unknown) => {
        if (entry !== undefined && isUnavailable(err) && clock.now() < entry.staleUntil)
          return this.#stale(entry);
        throw err;
      },
    );
  }

  /** {@link hit}, else {@link miss}. */
  lookup(key: string | undefined, review: (known: boolean) => Promise<V>): Outcome<V> | Promise<Outcome<V>> {
    return this.hit(key) ?? this.miss(key, review);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** A review admitted by the budget, its slot given back when it ends. */
  async #admitted(review: (known: boolean) => Promise<V>, known: boolean): Promise<V> {
    try {
      return await review(known);
    } finally {
      this.#deps.budget.release();
    }
  }

  async #run(key: string, answer: Promise<V>): Promise<V> {
    try {
      const value = await answer;
      const { ttl, staleGrace } = this.#policy.lifetime(value);
      if (ttl + staleGrace > 0) {
        const now = this.#deps.clock.now();
        const entry: Entry<V> = {
          hit: { value, source: 'cache' },
          expiresAt: now + ttl,
          staleUntil: now + ttl + staleGrace,
        };
        this.#entries.set(key, entry, this.#policy.sizeOf(key, value));
      } else {
        // Not cacheable now: what was kept under the key no longer says anything true.
        this.#entries.delete(key);
      }
      return value;
    } finally {
      this.#flights.delete(key);
    }
  }

  #stale(entry: Entry<V>): Outcome<V> {
    this.#deps.observer.stale();
    return { value: entry.hit.value, source: 'stale' };
  }
}
