import { AuthnAuthzError, AuthnAuthzErrorCode } from '../errors.ts';
import type { FilterMetrics } from '../metrics.ts';
import { cacheObserver } from '../metrics.ts';
import type { ResolvedAuthnAuthzOptions } from '../options.ts';
import type { ReviewClient, SubjectAccessReviewSpec, SubjectAccessReviewStatus } from '../review-client.ts';
import type { UserInfo } from '../user-info.ts';
import { authorizationCacheKey } from './authorization-cache-key.ts';
import type { Clock } from './clock.ts';
import { ENTRY_OVERHEAD_BYTES, stringBytes } from './entry-size.ts';
import type { ReviewBudget } from './review-budget.ts';
import type { Outcome } from './review-cache.ts';
import { ReviewCache } from './review-cache.ts';
import type { ReviewRunner } from './review-runner.ts';

/** What the apiserver decided about one (user, verb, path), and why. */
export interface AuthzAnswer {
  readonly decision: 'allow' | 'deny' | 'no-opinion';
  readonly reason: string;
}

/** What a {@link SubjectAccessAuthorizer} needs besides the options. */
export interface SubjectAccessAuthorizerDeps {
  readonly client: ReviewClient;
  readonly reviews: ReviewRunner;
  readonly budget: ReviewBudget;
  readonly metrics: FilterMetrics;
  readonly clock: Clock;
}

type Options = Pick<
  ResolvedAuthnAuthzOptions,
  | 'authorizationCacheSize'
  | 'authorizationCacheMaxBytes'
  | 'allowedTTLMs'
  | 'deniedTTLMs'
  | 'staleIfErrorGraceMs'
>;

/**
 * Non-resource requests, authorized with SubjectAccessReviews as k8s.io/apiserver's webhook authorizer
 * does: allowed and denied answers cached for their own TTLs, concurrent reviews of one key merged, an
 * allowed answer served stale while the apiserver cannot be reached (a denial never is). Entries are
 * counted at their size (the key holds the path, which the caller chooses), and reviews of keys not
 * cached go through the review budget.
 */
export class SubjectAccessAuthorizer {
  readonly #deps: SubjectAccessAuthorizerDeps;
  readonly #cache: ReviewCache<AuthzAnswer>;
  readonly #unwatch: () => void;

  constructor(options: Options, deps: SubjectAccessAuthorizerDeps) {
    this.#deps = deps;
    const allowed = { ttl: options.allowedTTLMs, staleGrace: options.staleIfErrorGraceMs };
    const denied = { ttl: options.deniedTTLMs, staleGrace: 0 };
    const maxBytes = options.authorizationCacheMaxBytes;
    this.#cache = new ReviewCache<AuthzAnswer>(
      {
        kind: 'subject_access',
        maxEntries: options.authorizationCacheSize,
        maxBytes: maxBytes > 0 ? maxBytes : Number.POSITIVE_INFINITY,
        lifetime: (a) => (a.decision === 'allow' ? allowed : denied),
        good: (a) => a.decision === 'allow',
        sizeOf: (key, a) => ENTRY_OVERHEAD_BYTES + stringBytes(key) + stringBytes(a.reason),
      },
      { clock: deps.clock, budget: deps.budget, observer: cacheObserver(deps.metrics, 'authorization') },
    );
    this.#unwatch = deps.metrics.watchCache('authorization', (segment) => this.#cache.usage(segment));
  }

  /**
   * The answer for `user` doing `verb` on `path`: synchronously when cached and fresh at `now` (the
   * hot path), else a promise of the review. Rejects when the review cannot be made and nothing may
   * be served stale.
   */
  authorize(
    user: UserInfo,
    verb: string,
    path: string,
    now: number,
  ): Outcome<AuthzAnswer> | Promise<Outcome<AuthzAnswer>> {
    const key = authorizationCacheKey(user, verb, path);
    return this.#cache.hit(key, now) ?? this.#lookUp(key, user, verb, path);
  }

  /** Drops the cache and stops reporting it. */
  close(): void {
    this.#cache.clear();
    this.#unwatch();
  }

  // Apart from authorize() so that the spec and the closure are made on a miss only.
  #lookUp(
    key: string | undefined,
    user: UserInfo,
    verb: string,
    path: string,
  ): Promise<Outcome<AuthzAnswer>> {
    const spec: SubjectAccessReviewSpec = {
      user: user.username,
      ...(user.uid === undefined ? {} : { uid: user.uid }),
      groups: user.groups,
      ...(user.extra === undefined ? {} : { extra: user.extra }),
      nonResourceAttributes: { path, verb },
    };
    return this.#cache.miss(key, (known) => this.#review(spec, known));
  }

  async #review(spec: SubjectAccessReviewSpec, known: boolean): Promise<AuthzAnswer> {
    const status = await this.#deps.reviews.run('subject_access', 'subjectaccessreview', known, (signal) =>
      this.#deps.client.subjectAccessReview(spec, signal),
    );
    return interpretSubjectAccessReview(status);
  }
}

/** The decision of a SubjectAccessReview's status; both allowed and denied is a malformed answer. */
export function interpretSubjectAccessReview(status: SubjectAccessReviewStatus): AuthzAnswer {
  const reason = typeof status.reason === 'string' ? status.reason.slice(0, 500) : '';
  if (status.allowed === true && status.denied === true) {
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.INVALID_REVIEW_RESPONSE,
      'subjectaccessreview failed: webhook subject access review returned both allow and deny response',
    );
  }
  if (status.allowed === true) return { decision: 'allow', reason };
  return { decision: status.denied === true ? 'deny' : 'no-opinion', reason };
}
