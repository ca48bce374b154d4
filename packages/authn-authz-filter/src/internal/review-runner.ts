import { setMaxListeners } from 'node:events';
import type { Logger } from '../logger.ts';
import type { FilterMetrics, ReviewKind } from '../metrics.ts';
import type { ResolvedAuthnAuthzOptions } from '../options.ts';
import type { ReviewClient } from '../review-client.ts';
import { ApiserverReadiness } from './apiserver-readiness.ts';
import type { Clock } from './clock.ts';
import type { ReviewBudget } from './review-budget.ts';
import { backoffAsked } from './review-budget.ts';
import { withRetry } from './retry.ts';

/** What a {@link ReviewRunner} needs besides the options. */
export interface ReviewRunnerDeps {
  readonly client: ReviewClient;
  readonly budget: ReviewBudget;
  readonly metrics: FilterMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: () => number;
}

type Options = Pick<ResolvedAuthnAuthzOptions, 'retry' | 'reviewTimeoutMs'>;

/**
 * The seam every review to the apiserver goes through, once admitted by the budget: one deadline of
 * `reviewTimeoutMs` for all attempts, retries of transient failures, the review metrics, refusals
 * explained by the apiserver's readiness, and an abort of everything in flight when the filter closes.
 * An answer asking to back off (429, `Retry-After`) is reported to the budget; a review for an
 * identity not cached does not retry it and fails as throttled, one refreshing a known identity
 * retries after the time asked.
 */
export class ReviewRunner {
  readonly #options: Options;
  readonly #deps: ReviewRunnerDeps;
  readonly #readiness: ApiserverReadiness;
  readonly #closing = new AbortController();

  constructor(options: Options, deps: ReviewRunnerDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#readiness = new ApiserverReadiness(deps.client, deps.clock, options.reviewTimeoutMs);
    // Every review in flight listens for the close; a cold burst easily holds more than Node's
    // default of 10 before it warns about a leak.
    setMaxListeners(0, this.#closing.signal);
  }

  /**
   * Runs one admitted review (`what` names it in messages and logs; `known`: it refreshes an identity
   * the caches know).
   */
  async run<T>(
    kind: ReviewKind,
    what: string,
    known: boolean,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const end = this.#deps.metrics.reviewStarted(kind);
    const budget = this.#deps.budget;
    // Not retried into: the budget refuses every such review until the time asked has passed.
    const throttledEnds = !known && budget.honoursBackoff;
    try {
      const result = await withRetry(
        {
          backoff: this.#options.retry,
          clock: this.#deps.clock,
          random: this.#deps.random,
          timeout: this.#options.reviewTimeoutMs,
          what,
          stop: this.#closing.signal,
          onRetry: (err, attempt, delay) => this.#retrying(kind, what, err, attempt, delay),
          ...(throttledEnds ? { retryable: (err: unknown) => backoffAsked(err) === undefined } : {}),
        },
        (signal) =>
          call(signal).catch((err: unknown) => {
            budget.observe(err);
            throw err;
          }),
      );
      end('success');
      return result;
    } catch (err) {
      end('error');
      if (throttledEnds && backoffAsked(err) !== undefined) throw budget.throttledBy(kind, err);
      throw await this.#readiness.explain(err, this.#closing.signal);
    }
  }

  /** Aborts every review in flight, with its retry sleeps; later reviews fail at once. */
  close(): void {
    this.#closing.abort();
  }

  #retrying(kind: ReviewKind, what: string, err: unknown, attempt: number, delay: number): void {
    this.#deps.metrics.retry(kind);
    this.#deps.logger.V(2).info('Retrying review after a transient failure', {
      review: what,
      attempt,
      delayMs: Math.round(delay),
      err: err instanceof Error ? err.message : String(err),
    });
  }
}
