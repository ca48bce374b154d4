import type { PathMatcher } from '../always-allow-paths.ts';
import { compileAlwaysAllowPaths } from '../always-allow-paths.ts';
import type { AuthnAuthz } from '../authn-authz.ts';
import { parseBearerToken } from '../bearer-token.ts';
import type { Decision, DecisionResult } from '../decision.ts';
import {
  AUTHENTICATION_FAILED_BODY,
  AUTHENTICATION_THROTTLED_BODY,
  UNAUTHORIZED_BODY,
  authorizationFailedBody,
  authorizationThrottledBody,
  forbiddenBody,
} from '../decision.ts';
import { AuthnAuthzError, AuthnAuthzErrorCode, isAuthnAuthzError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { FilterMetrics } from '../metrics.ts';
import type { ResolvedAuthnAuthzOptions } from '../options.ts';
import type { RequestAttributes } from '../request-attributes.ts';
import { pathOf, verbOf } from '../request-attributes.ts';
import type { ReviewClient } from '../review-client.ts';
import type { UserInfo } from '../user-info.ts';
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP } from '../user-info.ts';
import { AuditRecorder } from './audit-recorder.ts';
import type { ClientCaSource } from './client-ca.ts';
import { ClientCertificateAuthenticator } from './client-certificate.ts';
import type { Clock } from './clock.ts';
import { ReviewBudget } from './review-budget.ts';
import type { Outcome } from './review-cache.ts';
import { ReviewRunner } from './review-runner.ts';
import type { AuthzAnswer } from './subject-access-authorization.ts';
import { SubjectAccessAuthorizer } from './subject-access-authorization.ts';
import { ThrottleLog } from './throttle-log.ts';
import type { TokenAnswer } from './token-authentication.ts';
import { TokenAuthenticator } from './token-authentication.ts';

/** What the core is built from; the real ones in createAuthnAuthz, fakes in tests. */
export interface DecisionCoreDeps {
  readonly reviewClient: ReviewClient;
  readonly logger: Logger;
  readonly metrics: FilterMetrics;
  readonly clock: Clock;
  readonly random: () => number;
  readonly clientCa?: ClientCaSource | undefined;
  /** Wall clock for timestamps. @default Date.now */
  readonly wallClock?: () => number;
  /** Closes what the core was given to own (the built-in review client's connections). */
  readonly onClose?: () => void | Promise<void>;
  /** Key of the token cache digest (tests); random per process otherwise. */
  readonly hmacKey?: Buffer;
}

/** One request being decided: the facts every step needs, in one object instead of closures. */
interface Pending {
  readonly verb: string;
  readonly path: string;
  readonly receivedAt: number;
  /** The clock's one reading for this decision: both caches judge freshness by it. */
  readonly t0: number;
  readonly log: Logger;
}

/**
 * The decision of each request, in k8s.io/apiserver's order: always-allowed paths, then
 * authentication (client certificate, then bearer token, then anonymous if enabled), then
 * always-allowed groups, then authorization. Every step answers synchronously from its cache when it
 * can, so a request whose answers are cached is decided without a promise. Anything that goes wrong
 * becomes a 401 or a 500 decision, never a throw: the filter fails closed.
 *
 * The hot path (both caches hit) allocates the pending request and its decision and nothing else: the
 * promise continuations live in their own methods, so the methods on it capture nothing.
 */
export class DecisionCore implements AuthnAuthz {
  readonly options: ResolvedAuthnAuthzOptions;
  readonly #logger: Logger;
  readonly #metrics: FilterMetrics;
  readonly #clock: Clock;
  readonly #wallClock: () => number;
  readonly #alwaysAllowPaths: PathMatcher;
  readonly #alwaysAllowGroups: ReadonlySet<string>;
  readonly #clientCa: ClientCaSource | undefined;
  readonly #certificates: ClientCertificateAuthenticator | undefined;
  readonly #reviews: ReviewRunner;
  readonly #tokens: TokenAuthenticator;
  readonly #access: SubjectAccessAuthorizer;
  readonly #auditor: AuditRecorder;
  readonly #onClose: (() => void | Promise<void>) | undefined;
  /** The user of requests without credentials when `anonymous` is on; one per core, shared with no other. */
  readonly #anonymous: UserInfo = {
    username: ANONYMOUS_USER,
    groups: [UNAUTHENTICATED_GROUP],
    authenticatedBy: 'anonymous',
  };
  #closed: Promise<void> | undefined;

  constructor(options: ResolvedAuthnAuthzOptions, deps: DecisionCoreDeps) {
    this.options = options;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#clock = deps.clock;
    this.#wallClock = deps.wallClock ?? Date.now;
    this.#alwaysAllowPaths = compileAlwaysAllowPaths(options.alwaysAllowPaths);
    this.#alwaysAllowGroups = new Set(options.alwaysAllowGroups);
    this.#clientCa = deps.clientCa;
    this.#certificates =
      deps.clientCa === undefined ? undefined : new ClientCertificateAuthenticator(deps.clientCa);
    const { reviewClient: client, metrics, logger, clock, random } = deps;
    const budget = new ReviewBudget(options, { clock, metrics, log: new ThrottleLog(logger) });
    this.#reviews = new ReviewRunner(options, { client, budget, metrics, logger, clock, random });
    const shared = { client, reviews: this.#reviews, budget, metrics, clock };
    this.#tokens = new TokenAuthenticator(options, { ...shared, hmacKey: deps.hmacKey });
    this.#access = new SubjectAccessAuthorizer(options, shared);
    this.#auditor = new AuditRecorder(options.audit, this.#wallClock);
    this.#onClose = deps.onClose;
  }

  decide(attrs: RequestAttributes, log: Logger = this.#logger): Decision | Promise<Decision> {
    const p: Pending = {
      verb: verbOf(attrs.method),
      path: pathOf(attrs.url),
      receivedAt: this.#wallClock(),
      t0: this.#clock.now(),
      log,
    };
    if (this.#closed !== undefined) return this.#afterClose(p);
    try {
      if (this.#alwaysAllowPaths.matches(p.path)) {
        return this.#decided(p, 'always_allowed_path', 200, '', undefined, 'always-allowed path', false);
      }
      if (this.#certificates !== undefined) {
        const user = this.#certificates.authenticate(attrs.getPeerCertificate?.(), p.receivedAt);
        if (user !== undefined) return this.#authorize(p, user, false);
      }
      const token = parseBearerToken(attrs.headers.authorization);
      if (token === undefined) return this.#withoutCredentials(p);
      const found = this.#tokens.authenticate(token, p.t0);
      if (found instanceof Promise) return this.#whenAuthenticated(p, found);
      return this.#authenticated(p, found);
    } catch (err) {
      // Nothing above should throw; if it does, fail closed rather than crash the server.
      return this.#authenticationFailed(p, err);
    }
  }

  auditEnabled(log: Logger = this.#logger): boolean {
    return this.#auditor.enabled(log);
  }

  audit(attrs: RequestAttributes, decision: Decision, code: number, log: Logger = this.#logger): void {
    this.#auditor.record(attrs, decision, code, log);
  }

  close(): Promise<void> {
    this.#closed ??= this.#release();
    return this.#closed;
  }

  async #release(): Promise<void> {
    this.#reviews.close();
    this.#tokens.close();
    this.#access.close();
    this.#clientCa?.close();
    await this.#onClose?.();
  }

  // Authentication

  #withoutCredentials(p: Pending): Decision | Promise<Decision> {
    if (this.options.anonymous) return this.#authorize(p, this.#anonymous, false);
    p.log.V(4).info('Authentication failed', { reason: 'no credentials', verb: p.verb, path: p.path });
    return this.#decided(p, 'unauthorized', 401, UNAUTHORIZED_BODY, undefined, 'no credentials', false);
  }

  #whenAuthenticated(p: Pending, review: Promise<Outcome<TokenAnswer>>): Promise<Decision> {
    return review.then(
      (o) => this.#authenticated(p, o),
      (err: unknown) => this.#authenticationFailed(p, err),
    );
  }

  #authenticated(p: Pending, o: Outcome<TokenAnswer>): Decision | Promise<Decision> {
    if (!o.value.ok) {
      p.log.V(4).info('Authentication failed', { reason: o.value.reason, verb: p.verb, path: p.path });
      return this.#decided(p, 'unauthorized', 401, UNAUTHORIZED_BODY, undefined, o.value.reason, false);
    }
    if (o.source === 'stale') {
      p.log.V(2).info('Serving a stale token review: the apiserver cannot be reached', {
        user: o.value.user.username,
        verb: p.verb,
        path: p.path,
      });
    }
    return this.#authorize(p, o.value.user, o.source === 'stale');
  }

  #authenticationFailed(p: Pending, err: unknown): Decision {
    if (isAuthnAuthzError(err, AuthnAuthzErrorCode.REVIEW_THROTTLED))
      return this.#throttled(p, undefined, false, err, AUTHENTICATION_THROTTLED_BODY);
    // The token is never logged; the error comes from our client and carries none.
    p.log.error(err, 'Authentication failed', { verb: p.verb, path: p.path });
    return this.#cannotAuthenticate(p, errorReason(err));
  }

  /** 500 Authentication failed: nobody can be authenticated now (fail closed). */
  #cannotAuthenticate(p: Pending, reason: string): Decision {
    return this.#decided(
      p,
      'authentication_error',
      500,
      AUTHENTICATION_FAILED_BODY,
      undefined,
      reason,
      false,
    );
  }

  // Authorization

  #authorize(p: Pending, user: UserInfo, staleUser: boolean): Decision | Promise<Decision> {
    if (this.#alwaysAllowGroups.size > 0) {
      for (const g of user.groups) {
        if (this.#alwaysAllowGroups.has(g))
          return this.#decided(
            p,
            'always_allowed_group',
            200,
            '',
            user,
            `always-allowed group ${g}`,
            staleUser,
          );
      }
    }
    const found = this.#access.authorize(user, p.verb, p.path, p.t0);
    if (found instanceof Promise) return this.#whenAuthorized(p, user, staleUser, found);
    return this.#authorized(p, user, staleUser, found);
  }

  #whenAuthorized(
    p: Pending,
    user: UserInfo,
    staleUser: boolean,
    review: Promise<Outcome<AuthzAnswer>>,
  ): Promise<Decision> {
    return review.then(
      (o) => this.#authorized(p, user, staleUser, o),
      (err: unknown) => this.#authorizationFailed(p, user, staleUser, err),
    );
  }

  #authorized(p: Pending, user: UserInfo, staleUser: boolean, o: Outcome<AuthzAnswer>): Decision {
    const stale = staleUser || o.source === 'stale';
    if (o.source === 'stale') {
      p.log.V(2).info('Serving a stale authorization decision: the apiserver cannot be reached', {
        user: user.username,
        verb: p.verb,
        path: p.path,
      });
    }
    if (o.value.decision === 'allow')
      return this.#decided(p, 'allowed', 200, '', user, o.value.reason, stale);
    const body = forbiddenBody(user.username);
    p.log.V(4).info(`${body.trimEnd()}: ${o.value.reason}`, { verb: p.verb, path: p.path });
    const reason = o.value.reason === '' ? o.value.decision : o.value.reason;
    return this.#decided(p, 'forbidden', 403, body, user, reason, stale);
  }

  #authorizationFailed(p: Pending, user: UserInfo, staleUser: boolean, err: unknown): Decision {
    if (isAuthnAuthzError(err, AuthnAuthzErrorCode.REVIEW_THROTTLED))
      return this.#throttled(p, user, staleUser, err, authorizationThrottledBody(user.username));
    const body = authorizationFailedBody(user.username);
    p.log.error(err, body.trimEnd(), { verb: p.verb, path: p.path });
    return this.#decided(p, 'authorization_error', 500, body, user, errorReason(err), staleUser);
  }

  /**
   * 503 with Retry-After: the review budget refused the review. Not an error line per request (a flood
   * would flood the log): the budget logs a rate-limited summary, each request goes to V(4).
   */
  #throttled(
    p: Pending,
    user: UserInfo | undefined,
    staleUser: boolean,
    err: AuthnAuthzError,
    body: string,
  ): Decision {
    p.log.V(4).info(body.trimEnd(), { reason: err.message, verb: p.verb, path: p.path });
    const d = this.#decided(p, 'throttled', 503, body, user, `${err.code}: ${err.message}`, staleUser);
    return { ...d, retryAfterSeconds: err.details.retryAfterSeconds ?? 1 };
  }

  // Outcome

  #afterClose(p: Pending): Decision {
    p.log.V(2).info('Request decided after the filter was closed; failing closed', {
      verb: p.verb,
      path: p.path,
    });
    return this.#cannotAuthenticate(p, `${AuthnAuthzErrorCode.CLOSED}: the filter was closed`);
  }

  #decided(
    p: Pending,
    result: DecisionResult,
    status: number,
    body: string,
    user: UserInfo | undefined,
    reason: string,
    stale: boolean,
  ): Decision {
    this.#metrics.decision(result);
    return {
      allowed: status === 200,
      result,
      status,
      body,
      user,
      reason,
      verb: p.verb,
      path: p.path,
      stale,
      receivedAt: p.receivedAt,
      latencyMs: this.#clock.now() - p.t0,
    };
  }
}

function errorReason(err: unknown): string {
  if (err instanceof AuthnAuthzError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
