/**
 * Error registry of @kubediag/authn-authz-filter. Every error thrown by this package is an
 * {@link AuthnAuthzError} with one of these stable codes; messages are lowercase context chains.
 */
export const ERROR_CODES = {
  /** Options failed validation; `problems` lists every problem with its field path. */
  INVALID_OPTIONS: 'KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS',
  /** No Kubernetes configuration: none given, no in-cluster service account, no `KUBECONFIG`. */
  NO_KUBECONFIG: 'KDIAG_AUTHN_AUTHZ_NO_KUBECONFIG',
  /** The Kubernetes configuration is unusable (no current cluster, unsupported server URL, ...). */
  INVALID_KUBECONFIG: 'KDIAG_AUTHN_AUTHZ_INVALID_KUBECONFIG',
  /** `@kubernetes/client-node` could not be imported. */
  CLIENT_UNAVAILABLE: 'KDIAG_AUTHN_AUTHZ_CLIENT_UNAVAILABLE',
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
} as const;

export type AuthnAuthzErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** One validation problem: the option's field path and what was expected, got what. */
export interface OptionProblem {
  readonly path: string;
  readonly message: string;
}

/** Extra, non-secret facts about a failed review, used for retry decisions and logs. */
export interface ReviewErrorDetails {
  /** HTTP status of the apiserver's answer, when there was one. */
  readonly status?: number;
  /** Node/OpenSSL error code of a transport failure (`ECONNREFUSED`, `ECONNRESET`, ...). */
  readonly syscallCode?: string;
  /** Seconds from a `Retry-After` header. */
  readonly retryAfterSeconds?: number;
}

/** The single error class of this package; `code` is stable, `message` is for humans. */
export class AuthnAuthzError extends Error {
  override readonly name = 'AuthnAuthzError';
  readonly code: AuthnAuthzErrorCode;
  /** Set for {@link ERROR_CODES.INVALID_OPTIONS}. */
  readonly problems: readonly OptionProblem[];
  /** Set for review errors. */
  readonly details: ReviewErrorDetails;

  constructor(
    code: AuthnAuthzErrorCode,
    message: string,
    extra: { cause?: unknown; problems?: readonly OptionProblem[]; details?: ReviewErrorDetails } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.problems = extra.problems ?? [];
    this.details = extra.details ?? {};
  }
}

/** True when `err` is an {@link AuthnAuthzError}, optionally with the given code. */
export function isAuthnAuthzError(err: unknown, code?: AuthnAuthzErrorCode): err is AuthnAuthzError {
  return err instanceof AuthnAuthzError && (code === undefined || err.code === code);
}
