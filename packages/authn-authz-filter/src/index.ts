export { withAuthenticationAndAuthorization, filterWith } from './filter.ts';
export { admit, stripAuthorization } from './admit.ts';
export type { Filter, FilterContext, FilterProvider, RequestHandler } from './filter.ts';
export { createAuthnAuthz } from './authn-authz.ts';
export type { AuthnAuthzContext } from './authn-authz.ts';
export type { AuthnAuthz } from './authn-authz-core.ts';
export { authnAuthzMiddleware } from './express.ts';
export type { Middleware } from './express.ts';
export { requestAttributesFromNode } from './request-attributes.ts';
export type { RequestAttributes } from './request-attributes.ts';
export type { Decision, DecisionResult } from './decision.ts';
export { getRequestUser, ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP } from './user-info.ts';
export type { UserInfo } from './user-info.ts';
export {
  DEFAULT_AUTHN_AUTHZ_OPTIONS,
  resolveAuthnAuthzOptions,
  validateAuthnAuthzOptions,
  checkAuthnAuthzOptions,
} from './options.ts';
export type { AuthnAuthzOptions, ResolvedAuthnAuthzOptions, RetryOptions } from './options.ts';
export { compileAlwaysAllowPaths } from './always-allow-paths.ts';
export type { PathMatcher } from './always-allow-paths.ts';
export { parseBearerToken } from './bearer-token.ts';
export { writeHttpError } from './http-error.ts';
export type { AuditEvent, AuditSink } from './audit.ts';
export { METRIC_NAMES } from './metrics.ts';
export type { MetricsRegistry } from './metrics.ts';
export { loadKubeConfig } from './kube-config.ts';
export { createKubeReviewClient } from './kube-review-client.ts';
export type { KubeConfigLike } from './kube-review-client.ts';
export type {
  ReviewClient,
  TokenReviewSpec,
  TokenReviewStatus,
  SubjectAccessReviewSpec,
  SubjectAccessReviewStatus,
} from './review-client.ts';
export { AuthnAuthzError, ERROR_CODES, isAuthnAuthzError } from './errors.ts';
export type { AuthnAuthzErrorCode, OptionProblem, ReviewErrorDetails } from './errors.ts';
export type { Logger, Verbose, KeyValues } from './logger.ts';
