import { KubediagError, type KubediagErrorOptions } from '@kubediag/options';

/**
 * The stable codes of every error this package throws or rejects with; messages are lowercase context
 * chains for humans, branch on the code.
 */
export const AuthnAuthzErrorCode = {
  /** Options failed validation; `problems` lists every problem with its path. */
  INVALID_OPTIONS: 'KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS',
  /** No Kubernetes configuration: none given, no in-cluster service account, no `KUBECONFIG`. */
  NO_KUBECONFIG: 'KDIAG_AUTHN_AUTHZ_NO_KUBECONFIG',
  /** The Kubernetes configuration is unusable (no current cluster, unsupported server URL, ...). */
  INVALID_KUBECONFIG: 'KDIAG_AUTHN_AUTHZ_INVALID_KUBECONFIG',
  /** `@kubernetes/client-node` could not be imported. */
  CLIENT_UNAVAILABLE: 'KDIAG_AUTHN_AUTHZ_CLIENT_UNAVAILABLE',
  /**
   * The installed `@kubernetes/client-node` cannot run on this Node.js (2.x needs Node.js >= 22.19); the
   * message names both versions and the fix. Refused before the import, which would end the process.
   */
  CLIENT_UNSUPPORTED: 'KDIAG_AUTHN_AUTHZ_CLIENT_UNSUPPORTED',
  /** The client CA bundle could not be read or holds no usable certificate. */
  CLIENT_CA: 'KDIAG_AUTHN_AUTHZ_CLIENT_CA',
  /** A TokenReview or SubjectAccessReview could not be made (network, timeout, HTTP error). */
  REVIEW_FAILED: 'KDIAG_AUTHN_AUTHZ_REVIEW_FAILED',
  /** The apiserver refused the review itself (401/403): the operator lacks RBAC or credentials. */
  REVIEW_FORBIDDEN: 'KDIAG_AUTHN_AUTHZ_REVIEW_FORBIDDEN',
  /**
   * The apiserver refused a review with 401/403 while its `/readyz` said it was not ready (a starting
   * apiserver denies until its RBAC caches sync): counted as an outage, not as missing RBAC.
   */
  APISERVER_NOT_READY: 'KDIAG_AUTHN_AUTHZ_APISERVER_NOT_READY',
  /** The review did not finish within `reviewTimeoutMs` (retries included). */
  REVIEW_TIMEOUT: 'KDIAG_AUTHN_AUTHZ_REVIEW_TIMEOUT',
  /** The apiserver's answer was not a well-formed review (bad JSON, too large, allowed and denied). */
  INVALID_REVIEW_RESPONSE: 'KDIAG_AUTHN_AUTHZ_INVALID_REVIEW_RESPONSE',
  /**
   * A review was not made: the budget of reviews for identities not cached was spent (in flight or
   * per second), or the apiserver asked to back off (429, or `Retry-After`) and no review goes out
   * for such identities until then. `details.throttledBy` says which, `details.retryAfterSeconds`
   * when to come back; the request is answered 503 with that `Retry-After`.
   */
  REVIEW_THROTTLED: 'KDIAG_AUTHN_AUTHZ_REVIEW_THROTTLED',
  /**
   * The filter was closed (its host stopped): a review still in flight was aborted. Every request
   * decided after `close()` fails closed with 500.
   */
  CLOSED: 'KDIAG_AUTHN_AUTHZ_CLOSED',
} as const;
export type AuthnAuthzErrorCode = (typeof AuthnAuthzErrorCode)[keyof typeof AuthnAuthzErrorCode];

/** Extra, non-secret facts about a failed review, used for retry decisions and logs. */
export interface ReviewErrorDetails {
  /** HTTP status of the apiserver's answer, when there was one. */
  readonly status?: number;
  /** Node/OpenSSL error code of a transport failure (`ECONNREFUSED`, `ECONNRESET`, ...). */
  readonly syscallCode?: string;
  /** Seconds from a `Retry-After` header; for `REVIEW_THROTTLED`, the seconds to wait. */
  readonly retryAfterSeconds?: number;
  /** For `REVIEW_THROTTLED`: the limit that refused the review. */
  readonly throttledBy?: ThrottleReason;
}

/**
 * Why a review was not made: the in-flight or the per-second budget of reviews for identities not
 * cached was spent, or the apiserver asked to back off (429 or `Retry-After`).
 */
export type ThrottleReason = 'in_flight_limit' | 'rate_limit' | 'apiserver_backoff';

/** What an {@link AuthnAuthzError} carries besides its code and message. */
export interface AuthnAuthzErrorOptions extends KubediagErrorOptions {
  /** Set for review errors; a custom ReviewClient sets it so that retries and stale answers work. */
  readonly details?: ReviewErrorDetails;
}

/**
 * The one error class of this package. A custom `ReviewClient` rejects with it
 * (`REVIEW_FAILED` with `details`, or `REVIEW_FORBIDDEN`) so that transient failures are told apart.
 */
export class AuthnAuthzError extends KubediagError<AuthnAuthzErrorCode> {
  override readonly name = 'AuthnAuthzError';
  /** Facts about a failed review; empty for other codes. */
  readonly details: ReviewErrorDetails;

  constructor(code: AuthnAuthzErrorCode, message: string, options: AuthnAuthzErrorOptions = {}) {
    super(code, message, options);
    this.details = options.details ?? {};
  }
}

/** True when `err` is an {@link AuthnAuthzError}, optionally with the given code. */
export function isAuthnAuthzError(err: unknown, code?: AuthnAuthzErrorCode): err is AuthnAuthzError {
  return err instanceof AuthnAuthzError && (code === undefined || err.code === code);
}
