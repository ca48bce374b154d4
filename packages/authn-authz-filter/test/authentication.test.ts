import { describe, expect, it } from 'vitest';
import { AuthnAuthzError, AuthnAuthzErrorCode } from '../src/errors.ts';
import type { Decision } from '../src/decision.ts';
import { req, testCore } from './support/fakes.ts';

const refused = () =>
  new AuthnAuthzError(
    AuthnAuthzErrorCode.REVIEW_FAILED,
    'tokenreviews request failed: connect ECONNREFUSED',
    {
      details: { syscallCode: 'ECONNREFUSED' },
    },
  );

describe('authentication', () => {
  it('answers 401 Unauthorized without a review when there is no Authorization header', async () => {
    const { core, reviews } = testCore();
    const d = await core.decide(req('GET', '/metrics'));
    expect(d).toMatchObject({ allowed: false, status: 401, body: 'Unauthorized\n', result: 'unauthorized' });
    expect(reviews.tokenCalls).toHaveLength(0);
  });

  it('treats an empty bearer token (two spaces) as no credentials', async () => {
    const { core, reviews } = testCore();
    for (const h of ['Bearer', 'Bearer ', 'Bearer  abc', 'Basic abc', '   ']) {
      const d = await core.decide(req('GET', '/metrics', h));
      expect(d.status, h).toBe(401);
    }
    expect(reviews.tokenCalls).toHaveLength(0);
  });

  it('accepts a lowercase scheme and sends only the token to TokenReview', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    const d = await core.decide(req('GET', '/metrics', '  bearer tok extra'));
    expect(d.status).toBe(200);
    expect(reviews.tokenCalls).toEqual([{ token: 'tok' }]);
  });

  it('answers 401 (not 500) for a token the apiserver rejects, with or without status.error', async () => {
    const { core, reviews } = testCore();
    reviews.tokens.set('bad', {
      authenticated: false,
      error: '[invalid bearer token, square/go-jose: error]',
    });
    const a = await core.decide(req('GET', '/metrics', 'Bearer bad'));
    const b = await core.decide(req('GET', '/metrics', 'Bearer unknown'));
    expect(a).toMatchObject({ status: 401, body: 'Unauthorized\n', result: 'unauthorized' });
    expect(a.reason).toContain('invalid bearer token');
    expect(b).toMatchObject({ status: 401, body: 'Unauthorized\n' });
    expect(reviews.sarCalls).toHaveLength(0);
  });

  it('adds system:authenticated to the reviewed user and hands the user to the decision', async () => {
    const { core, reviews } = testCore();
    reviews
      .user('tok', 'system:serviceaccount:ns:sa', ['system:serviceaccounts'])
      .allow('system:serviceaccount:ns:sa', 'get', '/metrics');
    const d = await core.decide(req('GET', '/metrics?x=1', 'Bearer tok'));
    expect(d.user).toEqual({
      username: 'system:serviceaccount:ns:sa',
      uid: 'uid-system:serviceaccount:ns:sa',
      groups: ['system:serviceaccounts', 'system:authenticated'],
      authenticatedBy: 'token',
    });
  });

  it('does not add system:authenticated twice', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'bob', ['system:authenticated']).allow('bob', 'get', '/metrics');
    const d = await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(d.user?.groups).toEqual(['system:authenticated']);
  });

  it('sends the configured audiences and rejects a token valid for none of them', async () => {
    const { core, reviews } = testCore({ audiences: ['kubediag'] });
    reviews.tokens.set('mine', { authenticated: true, user: { username: 'alice' }, audiences: ['kubediag'] });
    reviews.tokens.set('theirs', { authenticated: true, user: { username: 'alice' }, audiences: ['other'] });
    reviews.tokens.set('silent', { authenticated: true, user: { username: 'alice' } });
    reviews.allow('alice', 'get', '/metrics');
    expect((await core.decide(req('GET', '/metrics', 'Bearer mine'))).status).toBe(200);
    expect((await core.decide(req('GET', '/metrics', 'Bearer theirs'))).status).toBe(401);
    expect((await core.decide(req('GET', '/metrics', 'Bearer silent'))).status).toBe(401);
    expect(reviews.tokenCalls[0]).toEqual({ token: 'mine', audiences: ['kubediag'] });
  });

  it('fails closed with 500 Authentication failed when the TokenReview cannot be made', async () => {
    const { core, reviews, logger } = testCore();
    reviews.tokens.set('tok', refused());
    const d = await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(d).toMatchObject({
      allowed: false,
      status: 500,
      body: 'Authentication failed\n',
      result: 'authentication_error',
    });
    const line = logger.lines.find((l) => l.level === 'error');
    expect(line?.msg).toBe('Authentication failed');
    expect(String((line?.err as Error).message)).toContain('ECONNREFUSED');
  });

  it('never writes the token into a log line or a decision', async () => {
    const { core, reviews, logger } = testCore();
    const token = 'sEcReT-tOkEn-123';
    reviews.tokens.set(token, refused());
    const a = await core.decide(req('GET', '/metrics', `Bearer ${token}`));
    reviews.tokens.set(token, { authenticated: false, error: 'nope' });
    const b = await core.decide(req('GET', '/metrics', `Bearer ${token}`));
    const dump = JSON.stringify([logger.lines.map((l) => [l.msg, l.kv, String(l.err)]), a, b]);
    expect(dump).not.toContain(token);
  });

  it('authenticates requests without credentials as system:anonymous when anonymous is on', async () => {
    const { core, reviews } = testCore({ anonymous: true });
    reviews.allow('system:anonymous', 'get', '/metrics');
    const d = await core.decide(req('GET', '/metrics'));
    expect(d).toMatchObject({
      status: 200,
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    });
    expect(reviews.sarCalls[0]?.groups).toEqual(['system:unauthenticated']);
    // Invalid credentials are still a 401, never a fallback to anonymous.
    expect((await core.decide(req('GET', '/metrics', 'Bearer wrong'))).status).toBe(401);
  });

  it('passes always-allowed paths before authentication', async () => {
    const { core, reviews } = testCore({ alwaysAllowPaths: ['/healthz', 'debug/public/*'] });
    const results: Decision[] = [];
    for (const u of ['/healthz', '/healthz?verbose', '/debug/public/x', '/debug/public/'])
      results.push(await core.decide(req('GET', u)));
    expect(results.map((d) => [d.status, d.result])).toEqual(Array(4).fill([200, 'always_allowed_path']));
    expect((await core.decide(req('GET', '/debug/public'))).status).toBe(401);
    expect((await core.decide(req('GET', '/livez'))).status).toBe(401);
    expect(reviews.tokenCalls).toHaveLength(0);
  });

  it('always allows /healthz, /livez and /readyz by default', async () => {
    const { core } = testCore();
    for (const p of ['/healthz', '/livez', '/readyz'])
      expect((await core.decide(req('GET', p))).status).toBe(200);
    expect((await core.decide(req('GET', '/readyz/ping'))).status).toBe(401);
  });
});
