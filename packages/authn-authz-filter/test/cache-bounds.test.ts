import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { authorizationCacheKey, MAX_KEY_MEMO_CHARS } from '../src/internal/authorization-cache-key.ts';
import { ENTRY_OVERHEAD_BYTES } from '../src/internal/entry-size.ts';
import { SegmentedLru } from '../src/internal/segmented-lru.ts';
import { createFilterMetrics } from '../src/metrics.ts';
import type { AuthnAuthzOptions } from '../src/options.ts';
import type { UserInfo } from '../src/user-info.ts';
import { FakeReviews, req, testCore } from './support/fakes.ts';

/** The budget off: these tests are about what the caches keep, so every review is let through. */
const UNBUDGETED: AuthnAuthzOptions = { reviewBudget: { maxInFlight: 0, ratePerSecond: 0 } };

const scrape = (token: string, path = '/metrics') => req('GET', path, `Bearer ${token}`);

/** Bytes the cache gauge reports, by `cache/segment`. */
async function cacheBytes(registry: Registry): Promise<Record<string, number>> {
  const metric = (await registry.getSingleMetric('kubediag_authn_authz_cache_bytes')!.get()) as unknown as {
    values: { labels: { cache: string; segment: string }; value: number }[];
  };
  return Object.fromEntries(metric.values.map((v) => [`${v.labels.cache}/${v.labels.segment}`, v.value]));
}

describe('segmented caches: known-good entries are never evicted by junk', () => {
  it('keeps the tokens in use through a flood of unique junk tokens', async () => {
    const { core, reviews } = testCore({ ...UNBUDGETED, tokenCacheSize: 100 });
    for (const [token, user] of [
      ['scraper-a', 'prometheus'],
      ['scraper-b', 'thanos'],
    ] as const) {
      reviews.user(token, user).allow(user, 'get', '/metrics');
      await core.decide(scrape(token));
      await core.decide(scrape(token)); // used again: protected
    }
    for (let i = 0; i < 10_000; i++) expect((await core.decide(scrape(`junk-${i}`))).status).toBe(401);
    for (const token of ['scraper-a', 'scraper-b']) {
      const d = core.decide(scrape(token));
      expect(d).not.toBeInstanceOf(Promise);
      expect(d).toMatchObject({ status: 200 });
    }
    expect(reviews.tokenCalls.filter((c) => c.token.startsWith('scraper'))).toHaveLength(2);
  });

  it('keeps the decisions in use while a valid reader asks for thousands of paths once each', async () => {
    const { core, reviews } = testCore({ ...UNBUDGETED, authorizationCacheSize: 100 });
    reviews.user('scraper', 'prometheus').allow('prometheus', 'get', '/metrics');
    await core.decide(scrape('scraper'));
    await core.decide(scrape('scraper'));
    reviews.user('reader', 'reader');
    reviews.accessFallback = { allowed: true };
    for (let i = 0; i < 5_000; i++) await core.decide(scrape('reader', `/debug/pprof/${i}`));
    expect(core.decide(scrape('scraper'))).toMatchObject({ status: 200 });
    expect(reviews.sarCalls.filter((c) => c.user === 'prometheus')).toHaveLength(1);
  });

  it('gives an entry pushed out of the protected segment a second chance in probation', () => {
    const lru = new SegmentedLru<string>(5, Number.POSITIVE_INFINITY, (v) => v === 'good');
    // 5 entries: 1 in probation, 4 protected.
    for (const k of ['a', 'b', 'c', 'd', 'e']) {
      lru.set(k, 'good', 1);
      expect(lru.get(k)).toBe('good'); // promoted
    }
    // a was the oldest protected entry: demoted to probation, still there.
    expect([lru.isProtected('a'), lru.peek('a'), lru.size]).toEqual([false, 'good', 5]);
    lru.set('junk', 'bad', 1);
    expect(lru.get('junk')).toBe('bad');
    expect([lru.isProtected('junk'), lru.peek('a'), lru.size]).toEqual([false, undefined, 5]);
  });

  it('moves a protected key back to probation when its answer turns bad', () => {
    const lru = new SegmentedLru<string>(10, Number.POSITIVE_INFINITY, (v) => v === 'good');
    lru.set('k', 'good', 1);
    lru.get('k');
    expect(lru.isProtected('k')).toBe(true);
    lru.set('k', 'bad', 1);
    expect([lru.isProtected('k'), lru.peek('k')]).toEqual([false, 'bad']);
  });
});

describe('caches bounded in bytes', () => {
  it('counts authorization entries at their size: long paths fill the byte bound, not the memory', async () => {
    const registry = new Registry();
    const metrics = await createFilterMetrics(registry);
    const reviews = new FakeReviews();
    const maxBytes = 200_000;
    const { core } = testCore({ ...UNBUDGETED, authorizationCacheMaxBytes: maxBytes }, { metrics, reviews });
    reviews.user('reader', 'reader');
    reviews.accessFallback = { allowed: true };
    const long = 'x'.repeat(5_000);
    for (let i = 0; i < 1_000; i++) {
      const path = `/debug/pprof/${i}/${long}`;
      await core.decide(scrape('reader', path));
      await core.decide(scrape('reader', path));
    }
    const bytes = await cacheBytes(registry);
    const held = bytes['authorization/probation']! + bytes['authorization/protected']!;
    expect(held).toBeLessThanOrEqual(maxBytes);
    // Each entry is counted at more than its key: 200 000 bytes hold fewer than 40 of them.
    expect(held).toBeGreaterThan(maxBytes - 2 * (5_100 + ENTRY_OVERHEAD_BYTES + 200));
    expect(bytes['token/probation']! + bytes['token/protected']!).toBeGreaterThan(0);
  });

  it('bounds the token cache in bytes too', async () => {
    const registry = new Registry();
    const metrics = await createFilterMetrics(registry);
    const { core } = testCore({ ...UNBUDGETED, tokenCacheMaxBytes: 20_000 }, { metrics });
    for (let i = 0; i < 1_000; i++) await core.decide(scrape(`junk-${i}`));
    const bytes = await cacheBytes(registry);
    expect(bytes['token/probation']! + bytes['token/protected']!).toBeLessThanOrEqual(20_000);
    expect(bytes['token/probation']).toBeGreaterThan(0);
  });

  it('stops reporting the bytes of a closed filter', async () => {
    const registry = new Registry();
    const metrics = await createFilterMetrics(registry);
    const { core } = testCore(UNBUDGETED, { metrics });
    await core.decide(scrape('junk'));
    expect((await cacheBytes(registry))['token/probation']).toBeGreaterThan(0);
    await core.close();
    expect((await cacheBytes(registry))['token/probation']).toBe(0);
  });

  it("bounds each user's memo of authorization keys in characters, and keeps its keys right", () => {
    const user: UserInfo = { username: 'reader', groups: ['g'], authenticatedBy: 'token' };
    const first = authorizationCacheKey(user, 'get', '/metrics');
    for (let i = 0; i < 1_000; i++) authorizationCacheKey(user, 'get', `/p/${i}/${'y'.repeat(100)}`);
    expect(authorizationCacheKey(user, 'get', '/metrics')).toBe(first);
    // Too long for the memo, still a key; too long to cache (the apiserver's 10 000), none.
    const long = `/${'z'.repeat(MAX_KEY_MEMO_CHARS)}`;
    expect(authorizationCacheKey(user, 'get', long)).toContain(long);
    expect(authorizationCacheKey(user, 'get', `/${'z'.repeat(10_000)}`)).toBeUndefined();
  });
});
