import type { ThrottleReason } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** At most one line per this long while the budget bites: a flood must not become a log flood. */
export const THROTTLE_LOG_INTERVAL_MS = 10_000;

/**
 * The log lines of the review budget, rate-limited: the first refusal is logged at once, later ones
 * are counted and reported with the next line, at most one per {@link THROTTLE_LOG_INTERVAL_MS}. An
 * apiserver asking to back off is logged the same way. Lines are warnings (klog's `Warning`, always
 * written): an operator wants to know that its diagnostics port turns requests away.
 */
export class ThrottleLog {
  readonly #logger: Logger;
  #lastAt = Number.NEGATIVE_INFINITY;
  #counts: Partial<Record<ThrottleReason, number>> = {};

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  refused(now: number, reason: ThrottleReason, retryAfterSeconds: number): void {
    this.#counts[reason] = (this.#counts[reason] ?? 0) + 1;
    if (now - this.#lastAt < THROTTLE_LOG_INTERVAL_MS) return;
    this.#lastAt = now;
    const refused = this.#counts;
    this.#counts = {};
    this.#logger.warning('Review budget exhausted: requests of identities not cached fail closed with 503', {
      refused,
      retryAfterSeconds,
    });
  }

  backoff(now: number, seconds: number): void {
    if (now - this.#lastAt < THROTTLE_LOG_INTERVAL_MS) return;
    this.#lastAt = now;
    this.#logger.warning('The apiserver asked to back off: no review for an identity not cached until then', {
      retryAfterSeconds: seconds,
    });
  }
}
