/**
 * The apiserver boundary: the two reviews the filter makes. The default implementation speaks HTTPS to
 * the apiserver of a KubeConfig; tests and unusual transports can supply their own through the
 * `reviewClient` option.
 */

/** `spec` of an authentication.k8s.io/v1 TokenReview. */
export interface TokenReviewSpec {
  readonly token: string;
  readonly audiences?: readonly string[];
}

/** `status` of an authentication.k8s.io/v1 TokenReview. */
export interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly user?: {
    readonly username?: string;
    readonly uid?: string;
    readonly groups?: readonly string[];
    readonly extra?: Readonly<Record<string, readonly string[]>>;
  };
  readonly audiences?: readonly string[];
  readonly error?: string;
}

/** `spec` of an authorization.k8s.io/v1 SubjectAccessReview for a non-resource request. */
export interface SubjectAccessReviewSpec {
  readonly user: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
  readonly nonResourceAttributes: { readonly path: string; readonly verb: string };
}

/** `status` of an authorization.k8s.io/v1 SubjectAccessReview. */
export interface SubjectAccessReviewStatus {
  readonly allowed?: boolean;
  readonly denied?: boolean;
  readonly reason?: string;
  readonly evaluationError?: string;
}

/**
 * Makes one review per call (retries, caching and timeouts are the caller's). Rejects with an
 * `AuthnAuthzError` (`KDIAG_AUTHN_AUTHZ_REVIEW_FAILED` with `details.status` / `details.syscallCode` /
 * `details.retryAfterSeconds`, or `KDIAG_AUTHN_AUTHZ_REVIEW_FORBIDDEN`) so the caller can tell transient
 * failures from final ones. Must stop when `signal` aborts.
 */
export interface ReviewClient {
  tokenReview(spec: TokenReviewSpec, signal: AbortSignal): Promise<TokenReviewStatus>;
  subjectAccessReview(spec: SubjectAccessReviewSpec, signal: AbortSignal): Promise<SubjectAccessReviewStatus>;
  /**
   * Whether the apiserver says it is ready (`GET /readyz` answers `ok`); false when it cannot be asked.
   * Consulted only after a review was refused with 401/403, to tell an apiserver that is still starting
   * (it denies every request until its RBAC caches sync) from an operator that lacks RBAC. Without it,
   * every refusal counts as missing RBAC.
   */
  ready?: ((signal: AbortSignal) => Promise<boolean>) | undefined;
}
