// The public API: what an operator author (or a framework adapter) calls. Go-parity helpers and
// building blocks stay in their modules; tests import them from there.

// The filter for @kubediag/diagnostics-server, or any node:http server.
export { withAuthenticationAndAuthorization } from './filter.ts';
export type { ClosableFilter, Filter, FilterContext, FilterProvider, RequestHandler } from './filter.ts';

// The framework-neutral decision core, and its Express/Connect middleware.
export { createAuthnAuthz } from './authn-authz.ts';
export type { AuthnAuthz, AuthnAuthzContext } from './authn-authz.ts';
export { authnAuthzMiddleware } from './express.ts';
export type { Middleware } from './express.ts';
export type { RequestAttributes } from './request-attributes.ts';
export type { Decision, DecisionResult } from './decision.ts';

// The user of a request the filter let through.
export { ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP, getRequestUser } from './user-info.ts';
export type { UserInfo } from './user-info.ts';

// Options, for a composition root: resolve, then validate.
export { resolveAuthnAuthzOptions, validateAuthnAuthzOptions } from './options.ts';
export type {
  AuthnAuthzOptions,
  ResolvedAuthnAuthzOptions,
  RetryOptions,
  ReviewBudgetOptions,
} from './options.ts';

// Audit records, metrics registry, logger: what the filter writes to.
export type { AuditEvent, AuditSink } from './audit.ts';
export type { MetricsRegistry } from './metrics.ts';
export type { KeyValues, Logger, Verbose } from './logger.ts';

// The apiserver boundary, for a custom transport.
export type {
  ReviewClient,
  SubjectAccessReviewSpec,
  SubjectAccessReviewStatus,
  TokenReviewSpec,
  TokenReviewStatus,
} from './review-client.ts';

// Errors.
export { AuthnAuthzError, AuthnAuthzErrorCode, isAuthnAuthzError } from './errors.ts';
export type { AuthnAuthzErrorOptions, ReviewErrorDetails, ThrottleReason } from './errors.ts';
