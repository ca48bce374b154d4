import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseBearerToken } from '../src/bearer-token.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import { goTrimSpace } from '../src/internal/go-trim-space.ts';
import { createFilterMetrics } from '../src/metrics.ts';
import { FakeReviews, recordingLogger, req, testCore } from './support/fakes.ts';
import { listen } from './support/http.ts';

const scrape = (token: string) => req('GET', '/metrics', `Bearer ${token}`);

/** Header bytes as Node hands them over: one character per byte (latin1). */
const bytes = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

describe('malformed tokens are refused before any review', () => {
  it.each([
    ['a space-free token with !', 'abc!def'],
    ['a quote', 'ab"c'],
    ['a comma', 'a,b'],
    ['markup', '<script>'],
    ['Latin-1 bytes', `tok${bytes('e9')}`],
    ['a lone 0x85 (not UTF-8, so not space to Go)', `tok${bytes('85')}`],
    ['padding inside', 'ab=c'],
  ])('%s: 401 without a TokenReview', async (_what, token) => {
    const { core, reviews } = testCore();
    expect(await core.decide(scrape(token))).toMatchObject({
      status: 401,
      result: 'unauthorized',
      reason: 'malformed bearer token: characters outside RFC 6750 b64token',
    });
    expect(reviews.tokenCalls).toEqual([]);
  });

  it.each([
    ['a ServiceAccount JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl_-'],
    ['a bootstrap token', 'abcdef.0123456789abcdef'],
    ['an OpenShift token', 'sha256~Xy-z_0'],
    ['an EKS token', 'k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbQ'],
    ['a GKE token', 'ya29.a0AfH6SMB'],
    ['base64 with padding', 'YWJj+/=='],
  ])('%s is reviewed', async (_what, token) => {
    const { core, reviews } = testCore();
    expect((await core.decide(scrape(token))).status).toBe(401);
    expect(reviews.tokenCalls.map((c) => c.token)).toEqual([token]);
  });

  it('refuses a token longer than maxTokenBytes unreviewed; 0 turns the bound off', async () => {
    const { core, reviews } = testCore();
    expect(await core.decide(scrape('a'.repeat(8193)))).toMatchObject({
      status: 401,
      reason: 'malformed bearer token: longer than 8192 bytes',
    });
    expect(reviews.tokenCalls).toEqual([]);
    await core.decide(scrape('a'.repeat(8192)));
    expect(reviews.tokenCalls).toHaveLength(1);
    const unbounded = testCore({ maxTokenBytes: 0 });
    await unbounded.core.decide(scrape('a'.repeat(50_000)));
    expect(unbounded.reviews.tokenCalls).toHaveLength(1);
  });

  it('counts malformed tokens by reason and caches nothing for them', async () => {
    const registry = new Registry();
    const metrics = await createFilterMetrics(registry);
    const { core, reviews } = testCore({}, { metrics });
    for (let i = 0; i < 3; i++) await core.decide(scrape('no!'));
    await core.decide(scrape('a'.repeat(9000)));
    const text = await registry.getSingleMetricAsString('kubediag_authn_authz_malformed_tokens_total');
    expect(text).toContain('kubediag_authn_authz_malformed_tokens_total{reason="bad_characters"} 3');
    expect(text).toContain('kubediag_authn_authz_malformed_tokens_total{reason="too_long"} 1');
    const misses = await registry.getSingleMetricAsString('kubediag_authn_authz_cache_misses_total');
    expect(misses).toContain('kubediag_authn_authz_cache_misses_total{cache="token"} 0');
    expect(reviews.tokenCalls).toEqual([]);
  });
});

describe("the Authorization header trimmed as Go's strings.TrimSpace trims its bytes", () => {
  it.each([
    ['ASCII space and tab', ' \t x \t ', 'x'],
    [
      'a lone 0xA0 is kept (Node reads it as U+00A0, which trim() removes)',
      `x${bytes('a0')}`,
      `x${bytes('a0')}`,
    ],
    ['a lone 0x85 is kept', `x${bytes('85')}`, `x${bytes('85')}`],
    ['UTF-8 NO-BREAK SPACE is removed', `${bytes('c2a0')}x${bytes('c2a0')}`, 'x'],
    ['UTF-8 NEL is removed', `x${bytes('c285')}`, 'x'],
    ['UTF-8 IDEOGRAPHIC SPACE and HAIR SPACE are removed', `x${bytes('e38080e2808a')} `, 'x'],
    ['a truncated UTF-8 space is kept', `x${bytes('e380')}`, `x${bytes('e380')}`],
    ['only spaces', ` ${bytes('c2a0')} `, ''],
    ['nothing to trim, the same string', 'Bearer x', 'Bearer x'],
  ])('%s', (_what, value, trimmed) => {
    expect(goTrimSpace(value)).toBe(trimmed);
  });

  it('reads the token of "Bearer <t>" followed by UTF-8 NBSP, and keeps a lone 0xA0 in it', () => {
    expect(parseBearerToken(`Bearer tok${bytes('c2a0')}`)).toBe('tok');
    expect(parseBearerToken(`Bearer tok${bytes('a0')}`)).toBe(`tok${bytes('a0')}`);
  });

  it('over a raw socket: a trailing byte 0xA0 gets 401 unreviewed, a trailing UTF-8 NBSP authenticates', async () => {
    const reviews = new FakeReviews().user('tok', 'alice').allow('alice', 'get', '/metrics');
    const closable = await withAuthenticationAndAuthorization({ reviewClient: reviews, audit: false })({
      logger: recordingLogger(),
    });
    const host = await listen(closable.filter(recordingLogger(), (_req, res) => void res.end('ok\n')));
    const { port } = new URL(host.url);
    const exchange = (suffixHex: string) =>
      new Promise<string>((resolve, reject) => {
        const head = Buffer.concat([
          Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer tok'),
          Buffer.from(suffixHex, 'hex'),
          Buffer.from('\r\n\r\n'),
        ]);
        let answer = '';
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(head));
        socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => resolve(answer.split('\r\n')[0]!));
      });
    try {
      expect(await exchange('a0')).toBe('HTTP/1.1 401 Unauthorized');
      expect(await exchange('85')).toBe('HTTP/1.1 401 Unauthorized');
      expect(reviews.tokenCalls).toEqual([]);
      expect(await exchange('c2a0')).toBe('HTTP/1.1 200 OK');
      expect(await exchange('e38080')).toBe('HTTP/1.1 200 OK');
      expect(reviews.tokenCalls.map((c) => c.token)).toEqual(['tok']);
    } finally {
      await host.close();
      await closable.close();
    }
  });
});
