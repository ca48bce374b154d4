import type { UserInfo } from './user-info.ts';

/**
 * Outcome label of a decision, also the `result` label of the decisions metric:
 * - `allowed`: SubjectAccessReview allowed it;
 * - `always_allowed_path` / `always_allowed_group`: allowed by configuration without a review;
 * - `unauthorized` (401): no credentials, or credentials the apiserver rejected;
 * - `forbidden` (403): SubjectAccessReview denied it or had no opinion;
 * - `authentication_error` / `authorization_error` (500): a review could not be made (fail closed);
 * - `throttled` (503, with `Retry-After`): the review budget for identities not cached was spent, or
 *   the apiserver asked to back off; the review was not made (fail closed, fast).
 */
export type DecisionResult =
  | 'allowed'
  | 'always_allowed_path'
  | 'always_allowed_group'
  | 'unauthorized'
  | 'forbidden'
  | 'authentication_error'
  | 'authorization_error'
  | 'throttled';

/** What to do with one request. */
export interface Decision {
  /** Run the handler (true) or answer `status` with `body` (false). */
  readonly allowed: boolean;
  readonly result: DecisionResult;
  /** 200 when allowed; else 401, 403, 500 or 503. */
  readonly status: number;
  /** With a 503: when to come back, for the `Retry-After` header. */
  readonly retryAfterSeconds?: number;
  /** Plain-text body with a trailing newline, as Go's http.Error writes it; '' when allowed. */
  readonly body: string;
  /** The authenticated user; undefined on an always-allowed path and when authentication failed. */
  readonly user: UserInfo | undefined;
  /** Human-readable reason, for the log and the audit record (never a credential). */
  readonly reason: string;
  /** The authorization verb (lowercase method) and path (no query). */
  readonly verb: string;
  readonly path: string;
  /** True when a cached answer was served past its TTL because the apiserver could not be reached. */
  readonly stale: boolean;
  /** Wall-clock ms when the decision started, and how long it took. */
  readonly receivedAt: number;
  readonly latencyMs: number;
}

export const UNAUTHORIZED_BODY = 'Unauthorized\n';
export const AUTHENTICATION_FAILED_BODY = 'Authentication failed\n';
export const forbiddenBody = (user: string): string => `Authorization denied for user ${user}\n`;
export const authorizationFailedBody = (user: string): string => `Authorization for user ${user} failed\n`;
export const AUTHENTICATION_THROTTLED_BODY = 'Authentication unavailable, retry later\n';
export const authorizationThrottledBody = (user: string): string =>
  `Authorization for user ${user} unavailable, retry later\n`;
