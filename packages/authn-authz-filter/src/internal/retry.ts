import { AuthnAuthzError, AuthnAuthzErrorCode } from '../errors.ts';
import type { Clock } from './clock.ts';

/** Exponential backoff with jitter, as k8s.io/apimachinery's wait.Backoff. */
export interface Backoff {
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly attempts: number;
}

/**
 * Transient failures worth another attempt, as k8s.io/apiserver's webhook DefaultShouldRetry: a reset
 * connection, 429, 500, 504 (timeouts), or any answer carrying Retry-After. Not 401/403 (RBAC will not
 * fix itself within seconds) and not a refused connection (nothing listens; fail fast).
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof AuthnAuthzError)) return false;
  const { status, syscallCode, retryAfterSeconds } = err.details;
  if (retryAfterSeconds !== undefined) return true;
  if (status === 429 || status === 500 || status === 504) return true;
  return syscallCode === 'ECONNRESET' || syscallCode === 'EPIPE';
}

/**
 * The apiserver could not give an answer at all (down, unreachable, overloaded, timed out, or still
 * starting), as opposed to an answer we reject. Only these allow a stale decision to be served.
 */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof AuthnAuthzError)) return false;
  if (err.code === AuthnAuthzErrorCode.REVIEW_TIMEOUT || err.code === AuthnAuthzErrorCode.APISERVER_NOT_READY)
    return true;
  if (err.code !== AuthnAuthzErrorCode.REVIEW_FAILED) return false;
  const { status, syscallCode } = err.details;
  if (syscallCode !== undefined) return true;
  return status !== undefined && (status === 429 || status >= 500);
}

export interface RetryContext {
  readonly backoff: Backoff;
  readonly clock: Clock;
  readonly random: () => number;
  /** Overall budget in ms for all attempts and sleeps (the review timeout). */
  readonly timeout: number;
  /** Names the review in the timeout message, e.g. "tokenreview". */
  readonly what: string;
  readonly onRetry?: (err: unknown, attempt: number, delay: number) => void;
  /** Aborts the review, its retries and its sleeps when the filter closes. */
  readonly stop?: AbortSignal;
  /** Narrows {@link isRetryable}: a transient failure this refuses ends the review at once. */
  readonly retryable?: (err: unknown) => boolean;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-transient error, runs out of attempts, or the
 * overall timeout passes. The AbortSignal given to each attempt fires at the overall deadline, so a
 * hung connection cannot hold a request longer than the timeout, and when `stop` fires (then the
 * review fails with `KDIAG_AUTHN_AUTHZ_CLOSED`).
 */
export async function withRetry<T>(
  ctx: RetryContext,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (ctx.stop?.aborted === true) throw closed(ctx.what, undefined);
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const timer = setTimeout(abort, ctx.timeout);
  timer.unref();
  ctx.stop?.addEventListener('abort', abort);
  const deadline = ctx.clock.now() + ctx.timeout;
  const aborted = (cause: unknown): AuthnAuthzError =>
    ctx.stop?.aborted === true
      ? closed(ctx.what, cause)
      : new AuthnAuthzError(
          AuthnAuthzErrorCode.REVIEW_TIMEOUT,
          `${ctx.what} timed out: no answer from the apiserver within ${ctx.timeout}ms`,
          { cause },
        );
  let delay = ctx.backoff.initialDelayMs;
  try {
    for (let n = 1; ; n++) {
      try {
        return await attempt(controller.signal);
      } catch (err) {
        if (controller.signal.aborted) throw aborted(err);
        if (n >= ctx.backoff.attempts || !isRetryable(err) || ctx.retryable?.(err) === false) throw err;
        let wait = delay * (1 + ctx.random() * ctx.backoff.jitter);
        const retryAfter = err instanceof AuthnAuthzError ? err.details.retryAfterSeconds : undefined;
        if (retryAfter !== undefined) wait = Math.max(wait, retryAfter * 1000);
        // Sleeping past the deadline only delays the same failure.
        if (ctx.clock.now() + wait >= deadline) throw err;
        ctx.onRetry?.(err, n, wait);
        delay *= ctx.backoff.factor;
        try {
          await ctx.clock.sleep(wait, controller.signal);
        } catch {
          throw aborted(err);
        }
      }
    }
  } finally {
    clearTimeout(timer);
    ctx.stop?.removeEventListener('abort', abort);
  }
}

function closed(what: string, cause: unknown): AuthnAuthzError {
  return new AuthnAuthzError(AuthnAuthzErrorCode.CLOSED, `${what} aborted: the filter was closed`, {
    cause,
  });
}
