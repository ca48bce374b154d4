import type { ThrottleReason } from '../errors.ts';
import { AuthnAuthzError, AuthnAuthzErrorCode } from '../errors.ts';
import type { FilterMetrics, ReviewKind } from '../metrics.ts';
import type { ResolvedAuthnAuthzOptions } from '../options.ts';
import type { Clock } from './clock.ts';
import type { ThrottleLog } from './throttle-log.ts';
import { TokenBucket } from './token-bucket.ts';

/** Retry-After of a 429 that carries none: the apiserver's own priority-and-fairness answer says 1 s. */
const DEFAULT_BACKOFF_MS = 1_000;

/** What a {@link ReviewBudget} needs besides the options. */
export interface ReviewBudgetDeps {
  readonly clock: Clock;
  readonly metrics: FilterMetrics;
  readonly log: ThrottleLog;
}

/**
 * Admission of reviews to the apiserver. A review for an identity the caches do not know (a token
 * never seen, a decision never allowed) needs a slot in flight and a token of the rate budget, and is
 * refused while the apiserver has asked to back off; beyond that it fails at once with
 * `KDIAG_AUTHN_AUTHZ_REVIEW_THROTTLED` instead of adding to an apiserver flood. A review refreshing a
 * known identity is always admitted: junk can spend the budget, never the scrapers' access. Both
 * kinds count in flight. Holds no timer: everything is computed from the clock when asked.
 */
export class ReviewBudget {
  readonly #maxInFlight: number;
  readonly #maxBackoffMs: number;
  readonly #bucket: TokenBucket | undefined;
  readonly #deps: ReviewBudgetDeps;
  #inFlight = 0;
  #backoffUntil = Number.NEGATIVE_INFINITY;

  constructor(options: Pick<ResolvedAuthnAuthzOptions, 'reviewBudget'>, deps: ReviewBudgetDeps) {
    const o = options.reviewBudget;
    this.#maxInFlight = o.maxInFlight;
    this.#maxBackoffMs = o.maxRetryAfterMs;
    this.#bucket =
      o.ratePerSecond > 0 ? new TokenBucket(o.ratePerSecond, o.burst, deps.clock.now()) : undefined;
    this.#deps = deps;
  }

  /** Reviews admitted and not yet released. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** False when `maxRetryAfterMs` is 0: the apiserver's 429 and Retry-After only pace retries. */
  get honoursBackoff(): boolean {
    return this.#maxBackoffMs > 0;
  }

  /** True while the apiserver's last 429 or `Retry-After` holds. */
  backingOff(now: number): boolean {
    return now < this.#backoffUntil;
  }

  /**
   * Admits one review (`known`: it refreshes an identity the caches know), or returns the refusal to
   * fail the request with. An admitted review is {@link release}d exactly once when it ends.
   */
  admit(kind: ReviewKind, known: boolean): AuthnAuthzError | undefined {
    if (!known) {
      const now = this.#deps.clock.now();
      if (this.backingOff(now)) return this.#refuse(kind, 'apiserver_backoff', this.#backoffUntil - now);
      if (this.#maxInFlight > 0 && this.#inFlight >= this.#maxInFlight)
        return this.#refuse(kind, 'in_flight_limit', 1_000);
      if (this.#bucket !== undefined && !this.#bucket.take(now))
        return this.#refuse(kind, 'rate_limit', this.#bucket.waitMs(now));
    }
    this.#inFlight++;
    return undefined;
  }

  release(): void {
    this.#inFlight--;
  }

  /**
   * Notes an apiserver answer asking to back off (429, or any answer with `Retry-After`): no review
   * for an identity not cached goes out until it has passed, at most `maxRetryAfterMs` from now.
   */
  observe(err: unknown): void {
    const ms = backoffAsked(err);
    if (ms === undefined || !this.honoursBackoff) return;
    const now = this.#deps.clock.now();
    const until = now + Math.min(ms, this.#maxBackoffMs);
    if (until <= this.#backoffUntil) return;
    this.#backoffUntil = until;
    this.#deps.log.backoff(now, Math.ceil((until - now) / 1000));
  }

  /**
   * What a review for an identity not cached fails with when the apiserver answered it asking to back
   * off: the refusal every such review now gets, or `err` itself when the backoff is not honoured.
   */
  throttledBy(kind: ReviewKind, err: unknown): unknown {
    const now = this.#deps.clock.now();
    if (!this.backingOff(now)) return err;
    return this.#refuse(kind, 'apiserver_backoff', this.#backoffUntil - now, err);
  }

  #refuse(kind: ReviewKind, reason: ThrottleReason, waitMs: number, cause?: unknown): AuthnAuthzError {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    this.#deps.metrics.throttled(kind, reason);
    this.#deps.log.refused(this.#deps.clock.now(), reason, retryAfterSeconds);
    const answered = cause instanceof Error ? `: ${cause.message}` : '';
    return new AuthnAuthzError(
      AuthnAuthzErrorCode.REVIEW_THROTTLED,
      `${kind === 'token' ? 'tokenreview' : 'subjectaccessreview'} throttled: ${THROTTLED[reason]}${answered}`,
      { details: { throttledBy: reason, retryAfterSeconds }, ...(cause === undefined ? {} : { cause }) },
    );
  }
}

const THROTTLED: Readonly<Record<ThrottleReason, string>> = {
  in_flight_limit:
    'the reviews in flight for identities not cached are at their bound (reviewBudget.maxInFlight)',
  rate_limit: 'the reviews a second for identities not cached are spent (reviewBudget.ratePerSecond, burst)',
  apiserver_backoff: 'the apiserver asked to back off (429 or Retry-After)',
};

/** The backoff an apiserver answer asks for, in ms, or undefined when it asks for none. */
export function backoffAsked(err: unknown): number | undefined {
  if (!(err instanceof AuthnAuthzError) || err.code !== AuthnAuthzErrorCode.REVIEW_FAILED) return undefined;
  const { status, retryAfterSeconds } = err.details;
  if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) return retryAfterSeconds * 1000;
  return status === 429 ? DEFAULT_BACKOFF_MS : undefined;
}
