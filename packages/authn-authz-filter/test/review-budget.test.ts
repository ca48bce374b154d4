import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../src/decision.ts';
import { AuthnAuthzError, AuthnAuthzErrorCode } from '../src/errors.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import { THROTTLE_LOG_INTERVAL_MS } from '../src/internal/throttle-log.ts';
import { createFilterMetrics } from '../src/metrics.ts';
import type { AuthnAuthzOptions } from '../src/options.ts';
import type { TokenReviewStatus } from '../src/review-client.ts';
import { FakeReviews, recordingLogger, req, testCore } from './support/fakes.ts';
import { listen, request } from './support/http.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const junk = (i: number) => `junk-${i}.payload.signature`;
const scrape = (token: string, path = '/metrics') => req('GET', path, `Bearer ${token}`);

/** A core whose budget is only what `budget` says (the other limit off unless given). */
function budgeted(budget: NonNullable<AuthnAuthzOptions['reviewBudget']>, options: AuthnAuthzOptions = {}) {
  return testCore({
    ...options,
    reviewBudget: { maxInFlight: 0, ratePerSecond: 0, ...budget },
  });
}

/** Makes `token` known: reviewed, then read again (its entry moves to the protected segment). */
async function warm(t: ReturnType<typeof testCore>, token: string, user: string) {
  t.reviews.user(token, user).allow(user, 'get', '/metrics');
  expect((await t.core.decide(scrape(token))).status).toBe(200);
  expect(t.core.decide(scrape(token))).toMatchObject({ status: 200 });
}

const throttledAnswer = (retryAfterSeconds: number) => ({
  status: 503,
  result: 'throttled',
  allowed: false,
  body: 'Authentication unavailable, retry later\n',
  retryAfterSeconds,
});

describe('review budget: identities not cached', () => {
  it('admits at most maxInFlight reviews at once; the others fail closed at once with 503 and Retry-After', async () => {
    const { core, reviews } = budgeted({ maxInFlight: 2 });
    const gate = deferred<TokenReviewStatus>();
    reviews.tokenFallback = () => gate.promise;
    const pending = Array.from({ length: 5 }, (_, i) => Promise.resolve(core.decide(scrape(junk(i)))));
    // The three refused are decided before the two admitted get an answer.
    const first = await Promise.race([Promise.all(pending.slice(2)), gate.promise.then(() => 'late')]);
    expect(first).toEqual(Array(3).fill(expect.objectContaining(throttledAnswer(1))));
    expect(reviews.tokenCalls).toHaveLength(2);
    gate.resolve({ authenticated: false });
    expect((await Promise.all(pending.slice(0, 2))).map((d) => d.status)).toEqual([401, 401]);
    // The slots are given back.
    expect((await core.decide(scrape(junk(9)))).status).toBe(401);
  });

  it('spends ratePerSecond with a burst: a token bucket on the clock', async () => {
    const { core, reviews, clock } = budgeted({ ratePerSecond: 2, burst: 3 });
    const statuses = async (from: number, n: number) => {
      const out: number[] = [];
      for (let i = from; i < from + n; i++) out.push((await core.decide(scrape(junk(i)))).status);
      return out;
    };
    expect(await statuses(0, 5)).toEqual([401, 401, 401, 503, 503]);
    clock.advance(1_000);
    expect(await statuses(10, 3)).toEqual([401, 401, 503]);
    // Saved up to the burst, not beyond.
    clock.advance(60_000);
    expect(await statuses(20, 4)).toEqual([401, 401, 401, 503]);
    expect(reviews.tokenCalls).toHaveLength(3 + 2 + 3);
  });

  it('says in Retry-After when the next review may go', async () => {
    const { core } = budgeted({ ratePerSecond: 0.1, burst: 1 });
    await core.decide(scrape(junk(0)));
    expect(await core.decide(scrape(junk(1)))).toMatchObject(throttledAnswer(10));
  });

  it('counts merged identical reviews once', async () => {
    // Two reviews: one TokenReview and one SubjectAccessReview, however many requests share them.
    const { core, reviews } = budgeted({ ratePerSecond: 1, burst: 2 });
    const gate = deferred<TokenReviewStatus>();
    reviews.tokens.set('new', () => gate.promise);
    const pending = Array.from({ length: 50 }, () => Promise.resolve(core.decide(scrape('new'))));
    gate.resolve({ authenticated: true, user: { username: 'bob' } });
    reviews.allow('bob', 'get', '/metrics');
    expect((await Promise.all(pending)).map((d) => d.status)).toEqual(Array(50).fill(200));
    expect([reviews.tokenCalls.length, reviews.sarCalls.length]).toEqual([1, 1]);
    expect((await core.decide(scrape(junk(0)))).status).toBe(503);
  });

  it('applies to SubjectAccessReviews of decisions not cached, with the user in the 503 body', async () => {
    const { core, reviews } = budgeted({ ratePerSecond: 1, burst: 2 });
    reviews.user('tok', 'alice');
    reviews.accessFallback = { allowed: true };
    expect((await core.decide(scrape('tok', '/a'))).status).toBe(200); // TokenReview + SAR
    expect(await core.decide(scrape('tok', '/b'))).toMatchObject({
      status: 503,
      result: 'throttled',
      body: 'Authorization for user alice unavailable, retry later\n',
      retryAfterSeconds: 1,
      user: { username: 'alice' },
    });
    expect(reviews.sarCalls).toHaveLength(1);
  });
});

describe('review budget: known identities are never slowed or refused by it', () => {
  it('answers a cache hit synchronously while junk is being throttled', async () => {
    // Warming spends two reviews, one junk review takes the last.
    const t = budgeted({ ratePerSecond: 1, burst: 3, maxInFlight: 1 });
    await warm(t, 'scraper', 'prometheus');
    const gate = deferred<TokenReviewStatus>();
    t.reviews.tokenFallback = () => gate.promise;
    const flood = Array.from({ length: 100 }, (_, i) => Promise.resolve(t.core.decide(scrape(junk(i)))));
    // Junk holds the one slot in flight and the bucket is empty; the scraper does not wait on either.
    const d = t.core.decide(scrape('scraper'));
    expect(d).not.toBeInstanceOf(Promise);
    expect(d).toMatchObject({ status: 200, result: 'allowed' });
    gate.resolve({ authenticated: false });
    const statuses = (await Promise.all(flood)).map((x) => x.status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(99);
  });

  it('admits the review refreshing a known identity when the budget is spent', async () => {
    const t = budgeted({ ratePerSecond: 0.001, burst: 2 }, { staleIfErrorGraceMs: 0 });
    await warm(t, 'scraper', 'prometheus'); // spends the bucket's two reviews
    expect((await t.core.decide(scrape(junk(0)))).status).toBe(503);
    t.clock.advance(60_001); // the token's answer expired; the bucket is still empty
    const d = await t.core.decide(scrape('scraper'));
    expect(d).toMatchObject({ status: 200, stale: false });
    expect(t.reviews.tokenCalls.map((c) => c.token)).toEqual(['scraper', 'scraper']);
    // A valid token never used before is an identity not cached: it waits for the budget.
    t.reviews.user('other', 'someone');
    expect((await t.core.decide(scrape('other'))).status).toBe(503);
  });

  it('counts a known refresh in flight: it takes the last slot from identities not cached', async () => {
    const t = budgeted({ maxInFlight: 1 }, { staleIfErrorGraceMs: 0 });
    await warm(t, 'scraper', 'prometheus');
    t.clock.advance(60_001);
    const gate = deferred<TokenReviewStatus>();
    t.reviews.tokens.set('scraper', () => gate.promise);
    const refresh = t.core.decide(scrape('scraper'));
    expect((await t.core.decide(scrape(junk(0)))).status).toBe(503);
    gate.resolve({ authenticated: true, user: { username: 'prometheus' } });
    expect((await refresh).status).toBe(200);
    expect((await t.core.decide(scrape(junk(1)))).status).toBe(401);
  });
});

describe("review budget: the apiserver's 429 and Retry-After", () => {
  const tooMany = (retryAfterSeconds?: number) =>
    new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FAILED, 'tokenreviews request failed with HTTP 429', {
      details: retryAfterSeconds === undefined ? { status: 429 } : { status: 429, retryAfterSeconds },
    });

  it('sends no review for an identity not cached until Retry-After has passed, and does not retry into it', async () => {
    const { core, reviews, clock } = testCore();
    reviews.tokenFallback = tooMany(5);
    expect(await core.decide(scrape(junk(0)))).toMatchObject(throttledAnswer(5));
    expect(reviews.tokenCalls).toHaveLength(1); // not retried: 5 attempts would be allowed otherwise
    clock.advance(3_000);
    expect(await core.decide(scrape(junk(1)))).toMatchObject(throttledAnswer(2));
    expect(reviews.tokenCalls).toHaveLength(1);
    clock.advance(2_000);
    reviews.tokenFallback = undefined;
    expect((await core.decide(scrape(junk(2)))).status).toBe(401);
    expect(reviews.tokenCalls).toHaveLength(2);
  });

  it('takes a 429 without Retry-After as 1 s, a 503 with one like a 429, and caps it at maxRetryAfterMs', async () => {
    const { core, reviews, clock } = testCore({ reviewBudget: { maxRetryAfterMs: 10_000 } });
    reviews.tokenFallback = tooMany();
    expect(await core.decide(scrape(junk(0)))).toMatchObject(throttledAnswer(1));
    clock.advance(1_000);
    reviews.tokenFallback = new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FAILED, 'HTTP 503', {
      details: { status: 503, retryAfterSeconds: 3_600 },
    });
    expect(await core.decide(scrape(junk(1)))).toMatchObject(throttledAnswer(10));
  });

  it('serves a known identity from its cache and stale-if-error, without a review, while backing off', async () => {
    const t = testCore({ reviewBudget: { maxRetryAfterMs: 120_000 } });
    await warm(t, 'scraper', 'prometheus');
    t.reviews.tokenFallback = tooMany(120);
    expect((await t.core.decide(scrape(junk(0)))).status).toBe(503);
    const calls = t.reviews.tokenCalls.length;
    t.clock.advance(61_000); // the token's answer expired, within the stale grace
    expect(await t.core.decide(scrape('scraper'))).toMatchObject({ status: 200, stale: true });
    expect(t.reviews.tokenCalls).toHaveLength(calls);
  });

  it('retries a known identity after the time asked, as the apiserver webhook client does', async () => {
    const t = testCore({ staleIfErrorGraceMs: 0 });
    await warm(t, 'scraper', 'prometheus');
    t.clock.advance(60_001);
    let n = 0;
    t.reviews.tokens.set('scraper', async () => {
      if (n++ === 0) throw tooMany(2);
      return { authenticated: true, user: { username: 'prometheus' } };
    });
    expect((await t.core.decide(scrape('scraper'))).status).toBe(200);
    expect(t.clock.sleeps).toEqual([2_000]);
  });

  it('with maxRetryAfterMs 0, only paces retries as before', async () => {
    const { core, reviews, clock } = testCore({ reviewBudget: { maxRetryAfterMs: 0 } });
    let n = 0;
    reviews.tokenFallback = async () => {
      if (n++ === 0) throw tooMany(2);
      return { authenticated: false };
    };
    expect((await core.decide(scrape(junk(0)))).status).toBe(401);
    expect(clock.sleeps).toEqual([2_000]);
    expect(reviews.tokenCalls).toHaveLength(2);
  });
});

describe('review budget: what it says when it bites', () => {
  it('counts throttled requests by review and reason', async () => {
    const registry = new Registry();
    const metrics = await createFilterMetrics(registry);
    const reviews = new FakeReviews();
    const { core, clock } = testCore(
      { reviewBudget: { maxInFlight: 0, ratePerSecond: 1, burst: 1 } },
      { metrics, reviews },
    );
    for (let i = 0; i < 4; i++) await core.decide(scrape(junk(i)));
    reviews.tokenFallback = new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FAILED, 'HTTP 429', {
      details: { status: 429 },
    });
    clock.advance(1_000);
    await core.decide(scrape(junk(10)));
    await core.decide(scrape(junk(11)));
    const text = await registry.getSingleMetricAsString('kubediag_authn_authz_throttled_total');
    expect(text).toContain('kubediag_authn_authz_throttled_total{review="token",reason="rate_limit"} 3');
    expect(text).toContain(
      'kubediag_authn_authz_throttled_total{review="token",reason="apiserver_backoff"} 2',
    );
    expect(text).toContain(
      'kubediag_authn_authz_throttled_total{review="subject_access",reason="in_flight_limit"} 0',
    );
    const decisions = await registry.getSingleMetricAsString('kubediag_authn_authz_decisions_total');
    expect(decisions).toContain('kubediag_authn_authz_decisions_total{result="throttled"} 5');
  });

  it('logs one warning at once, then at most one per interval with the count since, never per request', async () => {
    const { core, clock, logger } = budgeted({ ratePerSecond: 1, burst: 1 });
    await core.decide(scrape(junk(0)));
    for (let i = 1; i <= 50; i++) await core.decide(scrape(junk(i)));
    const warnings = () => logger.lines.filter((l) => l.level === 'warning');
    expect(warnings()).toEqual([
      expect.objectContaining({
        msg: 'Review budget exhausted: requests of identities not cached fail closed with 503',
        kv: { refused: { rate_limit: 1 }, retryAfterSeconds: 1 },
      }),
    ]);
    clock.advance(THROTTLE_LOG_INTERVAL_MS);
    for (let i = 100; i < 120; i++) await core.decide(scrape(junk(i)));
    expect(warnings()).toHaveLength(2);
    // The 49 refused after the first line, the 10 the bucket refilled were spent, then the one logged.
    expect(warnings()[1]!.kv).toEqual({ refused: { rate_limit: 49 + 1 }, retryAfterSeconds: 1 });
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('review budget over HTTP', () => {
  it("answers 503 with Retry-After, framed as Go's http.Error", async () => {
    const reviews = new FakeReviews();
    const closable = await withAuthenticationAndAuthorization({
      reviewClient: reviews,
      audit: false,
      reviewBudget: { ratePerSecond: 0.5, burst: 1 },
    })({ logger: recordingLogger() });
    const host = await listen(closable.filter(recordingLogger(), (_req, res) => void res.end('ok\n')));
    try {
      const get = (token: string) =>
        request(`${host.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await get(junk(0))).status).toBe(401);
      const res = await get(junk(1));
      expect([res.status, res.body]).toEqual([503, 'Authentication unavailable, retry later\n']);
      expect(res.headers).toMatchObject({
        'retry-after': '2',
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'content-length': '40',
      });
      expect(reviews.tokenCalls).toHaveLength(1);
    } finally {
      await host.close();
      await closable.close();
    }
  });

  it('decides: a throttled decision carries retryAfterSeconds and its result', async () => {
    const { core } = budgeted({ ratePerSecond: 1, burst: 1 });
    await core.decide(scrape(junk(0)));
    const d: Decision = await core.decide(scrape(junk(1)));
    expect(d).toMatchObject({ result: 'throttled', status: 503, retryAfterSeconds: 1, user: undefined });
    expect(d.reason).toMatch(/^KDIAG_AUTHN_AUTHZ_REVIEW_THROTTLED: tokenreview throttled: /);
  });
});
