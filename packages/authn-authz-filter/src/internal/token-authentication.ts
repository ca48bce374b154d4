import type { FilterMetrics } from '../metrics.ts';
import { cacheObserver } from '../metrics.ts';
import type { ResolvedAuthnAuthzOptions } from '../options.ts';
import type { ReviewClient, TokenReviewStatus } from '../review-client.ts';
import type { UserInfo } from '../user-info.ts';
import { withAuthenticatedGroup } from '../user-info.ts';
import type { Clock } from './clock.ts';
import { ENTRY_OVERHEAD_BYTES, stringBytes, userBytes } from './entry-size.ts';
import type { ReviewBudget } from './review-budget.ts';
import type { Outcome } from './review-cache.ts';
import { ReviewCache } from './review-cache.ts';
import type { ReviewRunner } from './review-runner.ts';
import type { MalformedToken } from './token-format.ts';
import { malformedToken } from './token-format.ts';
import { createTokenHasher } from './token-hasher.ts';

/** What the apiserver said about a token: who it is, or why not. */
export type TokenAnswer =
  { readonly ok: true; readonly user: UserInfo } | { readonly ok: false; readonly reason: string };

/** What a {@link TokenAuthenticator} needs besides the options. */
export interface TokenAuthenticatorDeps {
  readonly client: ReviewClient;
  readonly reviews: ReviewRunner;
  readonly budget: ReviewBudget;
  readonly metrics: FilterMetrics;
  readonly clock: Clock;
  /** Key of the token cache digest (tests); random per process otherwise. */
  readonly hmacKey?: Buffer | undefined;
}

type Options = Pick<
  ResolvedAuthnAuthzOptions,
  | 'audiences'
  | 'tokenCacheSize'
  | 'tokenCacheMaxBytes'
  | 'tokenCacheTTLMs'
  | 'staleIfErrorGraceMs'
  | 'maxTokenBytes'
>;

/**
 * Bearer tokens, authenticated with TokenReviews as k8s.io/apiserver's webhook token authenticator
 * does: answers cached under a keyed digest of the token (never the token), concurrent reviews of one
 * token merged, an authenticated answer served stale while the apiserver cannot be reached. A token
 * that cannot be a credential (too long, characters outside RFC 6750's b64token) is refused without
 * a review, and reviews of tokens not cached go through the review budget.
 */
export class TokenAuthenticator {
  readonly #audiences: readonly string[];
  readonly #maxTokenBytes: number;
  readonly #deps: TokenAuthenticatorDeps;
  readonly #cache: ReviewCache<TokenAnswer>;
  readonly #hash: (token: string) => string;
  readonly #unwatch: () => void;

  constructor(options: Options, deps: TokenAuthenticatorDeps) {
    this.#audiences = options.audiences;
    this.#maxTokenBytes = options.maxTokenBytes;
    this.#deps = deps;
    this.#hash = createTokenHasher(options.audiences, deps.hmacKey);
    const ttl = options.tokenCacheTTLMs;
    const grace = options.staleIfErrorGraceMs;
    this.#cache = new ReviewCache<TokenAnswer>(
      {
        kind: 'token',
        maxEntries: options.tokenCacheSize,
        maxBytes: options.tokenCacheMaxBytes > 0 ? options.tokenCacheMaxBytes : Number.POSITIVE_INFINITY,
        lifetime: (a) => ({ ttl, staleGrace: a.ok ? grace : 0 }),
        good: (a) => a.ok,
        sizeOf: tokenEntryBytes,
      },
      { clock: deps.clock, budget: deps.budget, observer: cacheObserver(deps.metrics, 'token') },
    );
    this.#unwatch = deps.metrics.watchCache('token', (segment) => this.#cache.usage(segment));
  }

  /**
   * The answer for `token`: synchronously when cached and fresh at `now` (the hot path), else a
   * promise of the review. Rejects when the review cannot be made and nothing may be served stale,
   * and with `KDIAG_AUTHN_AUTHZ_REVIEW_THROTTLED` when the review budget refuses it.
   */
  authenticate(token: string, now: number): Outcome<TokenAnswer> | Promise<Outcome<TokenAnswer>> {
    // Before the digest: an absurdly long token is not worth hashing.
    if (this.#maxTokenBytes > 0 && token.length > this.#maxTokenBytes)
      return this.#malformed(malformedToken(token, this.#maxTokenBytes)!);
    const key = this.#hash(token);
    return this.#cache.hit(key, now) ?? this.#lookUp(key, token);
  }

  /** Drops the cache and stops reporting it. */
  close(): void {
    this.#cache.clear();
    this.#unwatch();
  }

  // Apart from authenticate() so that the closure over the token is made on a miss only. A cached
  // token was well formed when it was reviewed, so its characters are checked here only.
  #lookUp(key: string, token: string): Outcome<TokenAnswer> | Promise<Outcome<TokenAnswer>> {
    const why = malformedToken(token, this.#maxTokenBytes);
    if (why !== undefined) return this.#malformed(why);
    return this.#cache.miss(key, (known) => this.#review(token, known));
  }

  #malformed(why: MalformedToken): Outcome<TokenAnswer> {
    this.#deps.metrics.malformedToken(why.reason);
    return { value: { ok: false, reason: why.message }, source: 'local' };
  }

  async #review(token: string, known: boolean): Promise<TokenAnswer> {
    const spec = this.#audiences.length > 0 ? { token, audiences: this.#audiences } : { token };
    const status = await this.#deps.reviews.run('token', 'tokenreview', known, (signal) =>
      this.#deps.client.tokenReview(spec, signal),
    );
    return interpretTokenReview(status, this.#audiences);
  }
}

/** Bytes a token cache entry is counted at: the digest, and the user or the reason of a refusal. */
function tokenEntryBytes(key: string, answer: TokenAnswer): number {
  return (
    ENTRY_OVERHEAD_BYTES +
    stringBytes(key) +
    (answer.ok ? userBytes(answer.user) : stringBytes(answer.reason))
  );
}

/** The user of a TokenReview's status, or why the token is not accepted. */
export function interpretTokenReview(status: TokenReviewStatus, audiences: readonly string[]): TokenAnswer {
  if (status.authenticated !== true) {
    const error =
      typeof status.error === 'string' && status.error !== '' ? `: ${status.error.slice(0, 300)}` : '';
    return { ok: false, reason: `token not authenticated${error}` };
  }
  if (audiences.length > 0) {
    // The apiserver returns the audiences the token is valid for among those asked; none means a
    // token for someone else. Fail closed when the answer does not say.
    const valid = status.audiences ?? [];
    if (!valid.some((a) => audiences.includes(a))) {
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
