import { describe, expect, it } from 'vitest';
import { AuthnAuthzError, AuthnAuthzErrorCode } from '../src/errors.ts';
import type { SubjectAccessReviewStatus, TokenReviewStatus } from '../src/review-client.ts';
import { createTokenHasher } from '../src/internal/token-hasher.ts';
import { req, testCore } from './support/fakes.ts';

const refused = () =>
  new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FAILED, 'request failed: connect ECONNREFUSED', {
    details: { syscallCode: 'ECONNREFUSED' },
  });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('caching', () => {
  it('answers synchronously from warm caches', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    const d = core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(d).not.toBeInstanceOf(Promise);
    expect(d).toMatchObject({ status: 200, stale: false });
  });

  it('reuses a TokenReview for tokenCacheTTLMs (1 min by default), then reviews again', async () => {
    const { core, reviews, clock } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    clock.advance(59_999);
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(reviews.tokenCalls).toHaveLength(1);
    clock.advance(2);
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(reviews.tokenCalls).toHaveLength(2);
  });

  it('caches allowed decisions for allowedTTLMs (5 min) and denied ones for deniedTTLMs (30 s)', async () => {
    const { core, reviews, clock } = testCore({ tokenCacheTTLMs: 600_000 });
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics').deny('alice', 'get', '/secret');
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    await core.decide(req('GET', '/secret', 'Bearer tok'));
    expect(reviews.sarCalls).toHaveLength(2);
    clock.advance(29_000);
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    await core.decide(req('GET', '/secret', 'Bearer tok'));
    expect(reviews.sarCalls).toHaveLength(2);
    clock.advance(2_000);
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    await core.decide(req('GET', '/secret', 'Bearer tok'));
    expect(reviews.sarCalls.map((s) => s.nonResourceAttributes.path)).toEqual([
      '/metrics',
      '/secret',
      '/secret',
    ]);
    clock.advance(270_000);
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(reviews.sarCalls).toHaveLength(4);
  });

  it('keys authorization by verb and path', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/debug/flags/v');
    expect((await core.decide(req('GET', '/debug/flags/v', 'Bearer tok'))).status).toBe(200);
    expect((await core.decide(req('PUT', '/debug/flags/v', 'Bearer tok'))).status).toBe(403);
    expect(reviews.sarCalls).toHaveLength(2);
  });

  it('honours TTLs of 0 (no caching)', async () => {
    const { core, reviews } = testCore({ tokenCacheTTLMs: 0, allowedTTLMs: 0, staleIfErrorGraceMs: 0 });
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect([reviews.tokenCalls.length, reviews.sarCalls.length]).toEqual([2, 2]);
  });

  it('never caches errors', async () => {
    const { core, reviews } = testCore();
    reviews.tokens.set('tok', refused());
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(reviews.tokenCalls).toHaveLength(2);
    reviews.user('tok', 'alice');
    reviews.access.set('alice get /metrics', refused());
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(reviews.sarCalls).toHaveLength(2);
  });

  it('merges identical concurrent reviews into one apiserver call each (singleflight)', async () => {
    const { core, reviews } = testCore();
    const gate = deferred<TokenReviewStatus>();
    reviews.tokens.set('tok', () => gate.promise);
    reviews.allow('alice', 'get', '/metrics');
    const pending = Array.from({ length: 200 }, () =>
      Promise.resolve(core.decide(req('GET', '/metrics', 'Bearer tok'))),
    );
    gate.resolve({ authenticated: true, user: { username: 'alice' } });
    const results = await Promise.all(pending);
    expect(results.every((d) => d.status === 200)).toBe(true);
    expect([reviews.tokenCalls.length, reviews.sarCalls.length]).toEqual([1, 1]);
  });

  it('shares one failure among merged requests without caching it', async () => {
    const { core, reviews } = testCore();
    const gate = deferred<SubjectAccessReviewStatus>();
    reviews.user('tok', 'alice');
    let n = 0;
    reviews.access.set('alice get /metrics', () => {
      n++;
      return n === 1
        ? gate.promise.then(() => Promise.reject(refused()))
        : Promise.resolve({ allowed: true });
    });
    const pending = Array.from({ length: 10 }, () =>
      Promise.resolve(core.decide(req('GET', '/metrics', 'Bearer tok'))),
    );
    gate.resolve({});
    expect((await Promise.all(pending)).map((d) => d.status)).toEqual(Array(10).fill(500));
    expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(200);
    expect(reviews.sarCalls).toHaveLength(2);
  });

  it('holds at most tokenCacheSize tokens, evicting tokens seen once before a token in use', async () => {
    // 2 entries: one in probation, one protected.
    const { core, reviews } = testCore({ tokenCacheSize: 2 });
    for (const t of ['a', 'b', 'c']) reviews.user(t, `u-${t}`).allow(`u-${t}`, 'get', '/m');
    for (const t of ['a', 'a', 'b', 'c', 'a', 'b', 'c']) await core.decide(req('GET', '/m', `Bearer ${t}`));
    // a reviewed, then used again (protected); b reviewed; c evicts b; a hit; b evicts c; c again.
    expect(reviews.tokenCalls.map((c) => c.token)).toEqual(['a', 'b', 'c', 'b', 'c']);
  });

  it('keys the token cache by an HMAC that depends on the per-process key and the audiences, never the token', () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const token = 'header.payload.signature';
    const a = createTokenHasher([], k1)(token);
    expect(a).not.toContain(token);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createTokenHasher([], k1)(token)).toBe(a);
    expect(createTokenHasher([], k2)(token)).not.toBe(a);
    expect(createTokenHasher(['x'], k1)(token)).not.toBe(a);
    expect(createTokenHasher(['ab', 'c'], k1)(token)).not.toBe(createTokenHasher(['a', 'bc'], k1)(token));
  });
});

describe('stale-if-error', () => {
  async function warm(options = {}) {
    const t = testCore({
      tokenCacheTTLMs: 60_000,
      allowedTTLMs: 60_000,
      staleIfErrorGraceMs: 120_000,
      ...options,
    });
    t.reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    t.reviews.user('new', 'bob').allow('bob', 'get', '/metrics');
    expect((await t.core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(200);
    // The apiserver goes away.
    t.reviews.tokenFallback = refused();
    t.reviews.accessFallback = refused();
    t.reviews.tokens.clear();
    t.reviews.access.clear();
    return t;
  }

  it('serves a recently allowed decision while the apiserver is unreachable, flagged stale', async () => {
    const { core, clock, reviews, logger } = await warm();
    clock.advance(90_000);
    const d = await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(d).toMatchObject({ status: 200, stale: true, result: 'allowed' });
    expect(reviews.tokenCalls).toHaveLength(2);
    expect(logger.lines.some((l) => l.v === 2 && l.msg.startsWith('Serving a stale'))).toBe(true);
  });

  it('fails closed for an identity it has not seen', async () => {
    const { core, clock } = await warm();
    clock.advance(90_000);
    expect((await core.decide(req('GET', '/metrics', 'Bearer new'))).status).toBe(500);
  });

  it('stops serving stale decisions after the grace period', async () => {
    const { core, clock } = await warm();
    clock.advance(180_001);
    expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(500);
  });

  it('is off with staleIfErrorGraceMs 0', async () => {
    const { core, clock } = await warm({ staleIfErrorGraceMs: 0 });
    clock.advance(60_001);
    expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(500);
  });

  it('does not paper over an apiserver that answers 403 (missing RBAC is not an outage)', async () => {
    const { core, clock, reviews } = await warm();
    reviews.tokenFallback = new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FORBIDDEN, 'forbidden', {
      details: { status: 403 },
    });
    clock.advance(90_000);
    expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(500);
  });

  describe('a review refused with 401/403', () => {
    const forbidden = () =>
      new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FORBIDDEN, 'tokenreviews request failed with HTTP 403', {
        details: { status: 403 },
      });

    it('by a ready apiserver is missing RBAC: fail closed, nothing stale', async () => {
      const { core, clock, reviews, logger } = await warm();
      reviews.readiness(true);
      reviews.tokenFallback = forbidden();
      clock.advance(90_000);
      expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(500);
      expect(reviews.readyCalls).toBe(1);
      expect(logger.lines.some((l) => l.err instanceof Error && l.err.message.includes('HTTP 403'))).toBe(
        true,
      );
    });

    it('by an apiserver that is still starting (/readyz not ok) is an outage: stale within grace', async () => {
      const { core, clock, reviews, logger } = await warm();
      reviews.readiness(false);
      reviews.tokenFallback = forbidden();
      reviews.accessFallback = forbidden();
      clock.advance(90_000);
      expect(await core.decide(req('GET', '/metrics', 'Bearer tok'))).toMatchObject({
        status: 200,
        stale: true,
      });
      // Never seen: nothing to serve, fail closed; the log names the cause.
      expect((await core.decide(req('GET', '/metrics', 'Bearer new'))).status).toBe(500);
      expect(
        logger.lines.some(
          (l) => l.err instanceof Error && l.err.message.includes('the apiserver is not ready'),
        ),
      ).toBe(true);
      // Past TTL + grace, nothing is served stale any more.
      clock.advance(120_000);
      expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(500);
    });

    it('when /readyz cannot be asked either, counts as not ready', async () => {
      const { core, clock, reviews } = await warm();
      reviews.readiness(refused());
      reviews.tokenFallback = forbidden();
      clock.advance(90_000);
      expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(200);
    });

    it('asks /readyz at most once a second, however many reviews are refused', async () => {
      const { core, clock, reviews } = await warm();
      reviews.readiness(false);
      reviews.tokenFallback = forbidden();
      clock.advance(90_000);
      const tokens = Array.from({ length: 20 }, (_, i) => `unseen-${i}`);
      await Promise.all(tokens.map(async (t) => core.decide(req('GET', '/metrics', `Bearer ${t}`))));
      expect(reviews.readyCalls).toBe(1);
      clock.advance(1_000);
      await core.decide(req('GET', '/metrics', 'Bearer unseen-x'));
      expect(reviews.readyCalls).toBe(2);
    });
  });

  it('never serves a stale denial', async () => {
    const t = testCore({ tokenCacheTTLMs: 600_000, deniedTTLMs: 1_000, staleIfErrorGraceMs: 600_000 });
    t.reviews.user('tok', 'alice').deny('alice', 'get', '/metrics');
    expect((await t.core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(403);
    t.reviews.access.clear();
    t.reviews.accessFallback = refused();
    t.clock.advance(2_000);
    expect((await t.core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(500);
  });

  it('recovers: a fresh answer replaces the stale entry once the apiserver is back', async () => {
    const { core, clock, reviews } = await warm();
    clock.advance(90_000);
    expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).stale).toBe(true);
    reviews.tokenFallback = undefined;
    reviews.accessFallback = undefined;
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    const d = await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(d).toMatchObject({ status: 200, stale: false });
    expect(core.decide(req('GET', '/metrics', 'Bearer tok'))).toMatchObject({ status: 200, stale: false });
  });
});
