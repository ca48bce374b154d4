import type { Clock } from './clock.ts';
import { Lru } from './lru.ts';
import { isUnavailable } from './retry.ts';

/** Where a cached reviewer's answer came from. */
export type Source = 'cache' | 'review' | 'stale';

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

/**
 * A bounded LRU of review answers with singleflight. Identical concurrent lookups share one review,
 * which runs detached from any single request so that one client hanging up cannot fail the others.
 * Errors are never stored; an unavailable apiserver may be papered over with a stale positive answer.
 */
export class ReviewCache<V> {
  readonly #lru: Lru<Entry<V>>;
  readonly #flights = new Map<string, Promise<V>>();
  readonly #clock: Clock;
  readonly #lifetime: (value: V) => Lifetime;
  readonly #observer: CacheObserver;

  constructor(size: number, clock: Clock, lifetime: (value: V) => Lifetime, observer: CacheObserver) {
    this.#lru = new Lru(size);
    this.#clock = clock;
    this.#lifetime = lifetime;
    this.#observer = observer;
  }

  /** Number of reviews currently in flight (distinct keys). */
  get inFlight(): number {
    return this.#flights.size;
  }

  get size(): number {
    return this.#lru.size;
  }

  /**
   * A fresh cached answer, synchronously (the hot path allocates nothing), or undefined on a miss.
   * `key` undefined (uncacheable) is always a miss. `now` is the clock's reading, when the caller
   * already has one (a request reads the clock once, not once per cache).
   */
  hit(key: string | undefined, now?: number): Outcome<V> | undefined {
    if (key === undefined) return undefined;
    const entry = this.#lru.get(key);
    if (entry === undefined || (now ?? this.#clock.now()) >= entry.expiresAt) return undefined;
    this.#observer.hit();
    return entry.hit;
  }

  /**
   * After {@link hit} missed: joins the review in flight for `key` or starts one. When the review
   * fails because the apiserver is unavailable and a positive answer for `key` is still within its
   * stale grace, that answer is returned with source `stale`.
   */
  miss(key: string | undefined, review: () => Promise<V>): Promise<Outcome<V>> {
    this.#observer.miss();
    if (key === undefined) return review().then((value) => ({ value, source: 'review' as const }));
    let entry = this.#lru.peek(key);
    if (entry !== undefined && this.#clock.now() >= entry.staleUntil) {
      this.#lru.delete(key);
      entry = undefined;
    }
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = this.#run(key, review);
      this.#flights.set(key, flight);
    }
    return flight.then(
      (value) => ({ value, source: 'review' as const }),
      (err: unknown) => {
        if (entry !== undefined && isUnavailable(err) && this.#clock.now() < entry.staleUntil) {
          this.#observer.stale();
          return { value: entry.hit.value, source: 'stale' as const };
        }
        throw err;
      },
    );
  }

  /** {@link hit}, else {@link miss}. */
  lookup(key: string | undefined, review: () => Promise<V>): Outcome<V> | Promise<Outcome<V>> {
    return this.hit(key) ?? this.miss(key, review);
  }

  async #run(key: string, review: () => Promise<V>): Promise<V> {
    try {
      const value = await review();
      const { ttl, staleGrace } = this.#lifetime(value);
      if (ttl + staleGrace > 0) {
        const now = this.#clock.now();
        this.#lru.set(key, {
          hit: { value, source: 'cache' },
          expiresAt: now + ttl,
          staleUntil: now + ttl + staleGrace,
        });
      }
      return value;
    } finally {
      this.#flights.delete(key);
    }
  }

  clear(): void {
    this.#lru.clear();
  }
}
