import { compileAlwaysAllowPaths } from '../always-allow-paths.ts';
import type { AuditEvent } from '../audit.ts';
import { buildAuditEvent } from '../audit.ts';
import { parseBearerToken } from '../bearer-token.ts';
import type { Decision, DecisionResult } from '../decision.ts';
import {
  AUTHENTICATION_FAILED_BODY,
  UNAUTHORIZED_BODY,
  authorizationFailedBody,
  forbiddenBody,
} from '../decision.ts';
import { AuthnAuthzError, ERROR_CODES, isAuthnAuthzError } from '../errors.ts';
import type { KeyValues, Logger } from '../logger.ts';
import type { CacheKind, FilterMetrics, ReviewKind } from '../metrics.ts';
import type { ResolvedAuthnAuthzOptions } from '../options.ts';
import type { AuthnAuthz } from '../authn-authz-core.ts';
import type { RequestAttributes } from '../request-attributes.ts';
import { pathOf, verbOf } from '../request-attributes.ts';
import type { ReviewClient, SubjectAccessReviewSpec, TokenReviewStatus } from '../review-client.ts';
import type { UserInfo } from '../user-info.ts';
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP, withAuthenticatedGroup } from '../user-info.ts';
import type { ClientCaSource } from './client-ca.ts';
import { ClientCertificateAuthenticator } from './client-certificate.ts';
import type { Clock } from './clock.ts';
import { withRetry } from './retry.ts';
import type { Outcome } from './review-cache.ts';
import { ReviewCache } from './review-cache.ts';
import { createTokenHasher } from './token-hasher.ts';

export interface CoreDeps {
  readonly reviewClient: ReviewClient;
  readonly logger: Logger;
  readonly metrics: FilterMetrics;
  readonly clock: Clock;
  readonly random: () => number;
  readonly clientCa?: ClientCaSource | undefined;
  /** Wall clock for timestamps. @default Date.now */
  readonly wallClock?: () => number;
  readonly onClose?: () => void;
  /** HMAC key of the token cache (tests); random per process otherwise. */
  readonly hmacKey?: Buffer;
}

type TokenAnswer =
  { readonly ok: true; readonly user: UserInfo } | { readonly ok: false; readonly reason: string };
interface AuthzAnswer {
  readonly decision: 'allow' | 'deny' | 'no-opinion';
  readonly reason: string;
}

/** SubjectAccessReview specs this long are not cached, as the apiserver's webhook authorizer does. */
const MAX_CACHE_KEY = 10_000;
/** How long one answer of the apiserver's /readyz is reused, and how long asking may take. */
const READINESS_MEMO_MS = 1_000;
const READINESS_TIMEOUT_MS = 2_000;
/** (verb, path) keys remembered per user before the memo starts over. */
const MAX_KEY_MEMO = 256;

export function createCore(options: ResolvedAuthnAuthzOptions, deps: CoreDeps): AuthnAuthz {
  const { reviewClient, logger, metrics, clock, random } = deps;
  const wallClock = deps.wallClock ?? Date.now;
  const alwaysAllowPaths = compileAlwaysAllowPaths(options.alwaysAllowPaths);
  const alwaysAllowGroups = new Set(options.alwaysAllowGroups);
  const certs = deps.clientCa === undefined ? undefined : new ClientCertificateAuthenticator(deps.clientCa);
  const hashToken = createTokenHasher(options.audiences, deps.hmacKey);
  const grace = options.staleIfErrorGraceMs;

  const observer = (cache: CacheKind) => ({
    hit: () => metrics.cacheHit(cache),
    miss: () => metrics.cacheMiss(cache),
    stale: () => metrics.stale(cache),
  });
  const tokens = new ReviewCache<TokenAnswer>(
    options.tokenCacheSize,
    clock,
    (a) => ({ ttl: options.tokenCacheTTLMs, staleGrace: a.ok ? grace : 0 }),
    observer('token'),
  );
  const decisions = new ReviewCache<AuthzAnswer>(
    options.authorizationCacheSize,
    clock,
    (a) =>
      a.decision === 'allow'
        ? { ttl: options.allowedTTLMs, staleGrace: grace }
        : { ttl: options.deniedTTLMs, staleGrace: 0 },
    observer('authorization'),
  );

  async function review<T>(
    kind: ReviewKind,
    what: string,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const end = metrics.reviewStarted(kind);
    try {
      const result = await withRetry(
        {
          backoff: options.retry,
          clock,
          random,
          timeout: options.reviewTimeoutMs,
          what,
          onRetry: (err, attempt, delay) => {
            metrics.retry(kind);
            logger.V(2).info('Retrying review after a transient failure', {
              review: what,
              attempt,
              delayMs: Math.round(delay),
              err: err instanceof Error ? err.message : String(err),
            });
          },
        },
        call,
      );
      end('success');
      return result;
    } catch (err) {
      end('error');
      throw await notReadyOr(err);
    }
  }

  // A refused review (401/403) from an apiserver that is still starting is an outage, not missing
  // RBAC: a restarted kube-apiserver denies every request until its RBAC caches sync, before its
  // /readyz turns ok. One readiness question per second at most, however many reviews fail.
  let readiness: { readonly at: number; readonly ready: Promise<boolean> } | undefined;
  async function notReadyOr(err: unknown): Promise<unknown> {
    const ask = reviewClient.ready?.bind(reviewClient);
    if (!isAuthnAuthzError(err, ERROR_CODES.REVIEW_FORBIDDEN) || ask === undefined) return err;
    const now = clock.now();
    if (readiness === undefined || now - readiness.at >= READINESS_MEMO_MS) {
      const signal = AbortSignal.timeout(Math.min(options.reviewTimeoutMs, READINESS_TIMEOUT_MS));
      readiness = { at: now, ready: ask(signal).catch(() => false) };
    }
    if (await readiness.ready) return err;
    return new AuthnAuthzError(
      ERROR_CODES.APISERVER_NOT_READY,
      `${err.message}; the apiserver is not ready (/readyz), so this counts as an outage`,
      { cause: err, details: err.details },
    );
  }

  function interpretTokenReview(status: TokenReviewStatus): TokenAnswer {
    if (status.authenticated !== true) {
      const error =
        typeof status.error === 'string' && status.error !== '' ? `: ${status.error.slice(0, 300)}` : '';
      return { ok: false, reason: `token not authenticated${error}` };
    }
    if (options.audiences.length > 0) {
      // The apiserver returns the audiences the token is valid for among those asked; none means a
      // token for someone else. Fail closed when the answer does not say.
      const got = status.audiences ?? [];
      if (!got.some((a) => options.audiences.includes(a))) {
        return { ok: false, reason: 'token not valid for the configured audiences' };
      }
    }
    const u = status.user ?? {};
    const username = typeof u.username === 'string' ? u.username : '';
    if (username === '') return { ok: false, reason: 'token review returned no username' };
    const groups = Array.isArray(u.groups) ? u.groups.filter((g): g is string => typeof g === 'string') : [];
    const user: UserInfo = {
      username,
      ...(typeof u.uid === 'string' && u.uid !== '' ? { uid: u.uid } : {}),
      groups: withAuthenticatedGroup(groups, username),
      ...(u.extra !== undefined && u.extra !== null && typeof u.extra === 'object' ? { extra: u.extra } : {}),
      authenticatedBy: 'token',
    };
    return { ok: true, user };
  }

  const reviewToken = async (token: string): Promise<TokenAnswer> => {
    const spec = options.audiences.length > 0 ? { token, audiences: options.audiences } : { token };
    const status = await review('token', 'tokenreview', (signal) => reviewClient.tokenReview(spec, signal));
    return interpretTokenReview(status);
  };

  const reviewAccess = async (spec: SubjectAccessReviewSpec): Promise<AuthzAnswer> => {
    const status = await review('subject_access', 'subjectaccessreview', (signal) =>
      reviewClient.subjectAccessReview(spec, signal),
    );
    const reason = typeof status.reason === 'string' ? status.reason.slice(0, 500) : '';
    if (status.allowed === true && status.denied === true) {
      throw new AuthnAuthzError(
        ERROR_CODES.INVALID_REVIEW_RESPONSE,
        'subjectaccessreview failed: webhook subject access review returned both allow and deny response',
      );
    }
    if (status.allowed === true) return { decision: 'allow', reason };
    return { decision: status.denied === true ? 'deny' : 'no-opinion', reason };
  };

  // Authorization cache keys, memoised per user object (a token cache hit returns the same UserInfo)
  // and per verb and path: the hot path then looks up a string whose hash V8 has already computed
  // instead of building and hashing a long key per request. Each user's memo is bounded.
  interface KeyMemo {
    readonly user: string;
    readonly byVerb: Map<string, Map<string, string | undefined>>;
    size: number;
  }
  const memos = new WeakMap<UserInfo, KeyMemo>();
  const authzKey = (user: UserInfo, verb: string, path: string): string | undefined => {
    let memo = memos.get(user);
    if (memo === undefined) {
      memo = {
        user: JSON.stringify([user.username, user.uid ?? '', user.groups, user.extra ?? null]),
        byVerb: new Map(),
        size: 0,
      };
      memos.set(user, memo);
    }
    let byPath = memo.byVerb.get(verb);
    if (byPath === undefined) {
      byPath = new Map();
      memo.byVerb.set(verb, byPath);
    }
    if (byPath.has(path)) return byPath.get(path);
    if (memo.size >= MAX_KEY_MEMO) {
      memo.byVerb.clear();
      memo.size = 0;
    }
    const length = memo.user.length + verb.length + path.length;
    const key = length < MAX_CACHE_KEY ? `${memo.user}\n${verb}\n${path}` : undefined;
    byPath.set(path, key);
    memo.size++;
    return key;
  };

  const anonymousUser: UserInfo = {
    username: ANONYMOUS_USER,
    groups: [UNAUTHENTICATED_GROUP],
    authenticatedBy: 'anonymous',
  };

  /** Per-request facts; one small object instead of per-request closures on the hot path. */
  interface Ctx {
    readonly verb: string;
    readonly path: string;
    readonly receivedAt: number;
    readonly t0: number;
    readonly log: Logger;
  }

  function done(
    c: Ctx,
    result: DecisionResult,
    status: number,
    body: string,
    user: UserInfo | undefined,
    reason: string,
    stale: boolean,
  ): Decision {
    metrics.decision(result);
    return {
      allowed: status === 200,
      result,
      status,
      body,
      user,
      reason,
      verb: c.verb,
      path: c.path,
      stale,
      receivedAt: c.receivedAt,
      latencyMs: clock.now() - c.t0,
    };
  }

  function authnFailed(c: Ctx, err: unknown): Decision {
    // The token is never logged; the error comes from our client and carries none.
    c.log.error(err, 'Authentication failed', { verb: c.verb, path: c.path });
    return done(
      c,
      'authentication_error',
      500,
      AUTHENTICATION_FAILED_BODY,
      undefined,
      errorReason(err),
      false,
    );
  }

  function afterToken(c: Ctx, o: Outcome<TokenAnswer>): Decision | Promise<Decision> {
    if (!o.value.ok) {
      c.log.V(4).info('Authentication failed', { reason: o.value.reason, verb: c.verb, path: c.path });
      return done(c, 'unauthorized', 401, UNAUTHORIZED_BODY, undefined, o.value.reason, false);
    }
    if (o.source === 'stale') {
      c.log.V(2).info('Serving a stale token review: the apiserver cannot be reached', {
        user: o.value.user.username,
        verb: c.verb,
        path: c.path,
      });
    }
    return authorize(c, o.value.user, o.source === 'stale');
  }

  function authorize(c: Ctx, user: UserInfo, staleUser: boolean): Decision | Promise<Decision> {
    if (alwaysAllowGroups.size > 0) {
      for (const g of user.groups) {
        if (alwaysAllowGroups.has(g)) {
          return done(c, 'always_allowed_group', 200, '', user, `always-allowed group ${g}`, staleUser);
        }
      }
    }
    const key = authzKey(user, c.verb, c.path);
    const hit = decisions.hit(key, c.t0);
    if (hit !== undefined) return afterAuthz(c, user, staleUser, hit);
    const spec: SubjectAccessReviewSpec = {
      user: user.username,
      ...(user.uid === undefined ? {} : { uid: user.uid }),
      groups: user.groups,
      ...(user.extra === undefined ? {} : { extra: user.extra }),
      nonResourceAttributes: { path: c.path, verb: c.verb },
    };
    return decisions
      .miss(key, () => reviewAccess(spec))
      .then(
        (o) => afterAuthz(c, user, staleUser, o),
        (err: unknown) => {
          const body = authorizationFailedBody(user.username);
          c.log.error(err, body.trimEnd(), { verb: c.verb, path: c.path });
          return done(c, 'authorization_error', 500, body, user, errorReason(err), staleUser);
        },
      );
  }

  function afterAuthz(c: Ctx, user: UserInfo, staleUser: boolean, o: Outcome<AuthzAnswer>): Decision {
    const stale = staleUser || o.source === 'stale';
    if (o.source === 'stale') {
      c.log.V(2).info('Serving a stale authorization decision: the apiserver cannot be reached', {
        user: user.username,
        verb: c.verb,
        path: c.path,
      });
    }
    if (o.value.decision === 'allow') return done(c, 'allowed', 200, '', user, o.value.reason, stale);
    const body = forbiddenBody(user.username);
    c.log.V(4).info(`${body.trimEnd()}: ${o.value.reason}`, { verb: c.verb, path: c.path });
    const reason = o.value.reason === '' ? o.value.decision : o.value.reason;
    return done(c, 'forbidden', 403, body, user, reason, stale);
  }

  function decide(attrs: RequestAttributes, log: Logger = logger): Decision | Promise<Decision> {
    const c: Ctx = {
      verb: verbOf(attrs.method),
      path: pathOf(attrs.url),
      receivedAt: wallClock(),
      t0: clock.now(),
      log,
    };
    try {
      if (alwaysAllowPaths.matches(c.path)) {
        return done(c, 'always_allowed_path', 200, '', undefined, 'always-allowed path', false);
      }
      if (certs !== undefined) {
        const user = certs.authenticate(attrs.getPeerCertificate?.(), c.receivedAt);
        if (user !== undefined) return authorize(c, user, false);
      }
      const token = parseBearerToken(attrs.headers.authorization);
      if (token === undefined) {
        if (options.anonymous) return authorize(c, anonymousUser, false);
        log.V(4).info('Authentication failed', { reason: 'no credentials', verb: c.verb, path: c.path });
        return done(c, 'unauthorized', 401, UNAUTHORIZED_BODY, undefined, 'no credentials', false);
      }
      const key = hashToken(token);
      const hit = tokens.hit(key, c.t0);
      if (hit !== undefined) return afterToken(c, hit);
      return tokens
        .miss(key, () => reviewToken(token))
        .then(
          (o) => afterToken(c, o),
          (err: unknown) => authnFailed(c, err),
        );
    } catch (err) {
      // Nothing above should throw; if it does, fail closed rather than crash the server.
      return authnFailed(c, err);
    }
  }

  const audit = options.audit;
  return {
    options,
    decide,
    auditEnabled(log: Logger = logger): boolean {
      if (audit === false) return false;
      if (typeof audit === 'function') return true;
      return log.V(audit).enabled;
    },
    audit(attrs, decision, code, log: Logger = logger): void {
      if (audit === false) return;
      if (typeof audit === 'number') {
        const v = log.V(audit);
        if (v.enabled)
          v.info('Audit', buildAuditEvent(attrs, decision, code, wallClock()) as unknown as KeyValues);
        return;
      }
      let event: AuditEvent | undefined;
      try {
        event = buildAuditEvent(attrs, decision, code, wallClock());
        audit(event);
      } catch (err) {
        log.error(err, 'Audit sink failed', { auditID: event?.auditID });
      }
    },
    close(): void {
      tokens.clear();
      decisions.clear();
      deps.clientCa?.close();
      deps.onClose?.();
    },
  };
}

function errorReason(err: unknown): string {
  if (err instanceof AuthnAuthzError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
