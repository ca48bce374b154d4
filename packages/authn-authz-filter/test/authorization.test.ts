import { describe, expect, it } from 'vitest';
import { AuthnAuthzError, AuthnAuthzErrorCode } from '../src/errors.ts';
import { req, testCore } from './support/fakes.ts';

describe('authorization', () => {
  it('sends a non-resource SubjectAccessReview with the lowercased method and the path without query', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice', ['devs']).allow('alice', 'put', '/debug/flags/v');
    const d = await core.decide(req('PUT', '/debug/flags/v?x=1', 'Bearer tok'));
    expect(d).toMatchObject({
      allowed: true,
      status: 200,
      result: 'allowed',
      verb: 'put',
      path: '/debug/flags/v',
    });
    expect(reviews.sarCalls).toEqual([
      {
        user: 'alice',
        uid: 'uid-alice',
        groups: ['devs', 'system:authenticated'],
        nonResourceAttributes: { path: '/debug/flags/v', verb: 'put' },
      },
    ]);
  });

  it('returns 403 when SubjectAccessReview denies', async () => {
    const { core, reviews, logger } = testCore();
    reviews.user('tok', 'alice').deny('alice', 'get', '/metrics');
    const d = await core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(d).toMatchObject({
      allowed: false,
      status: 403,
      body: 'Authorization denied for user alice\n',
      result: 'forbidden',
    });
    expect(
      logger.lines.some((l) => l.v === 4 && l.msg === 'Authorization denied for user alice: denied by test'),
    ).toBe(true);
  });

  it('returns 403 when SubjectAccessReview has no opinion', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice');
    const d = await core.decide(req('HEAD', '/metrics', 'Bearer tok'));
    expect(d).toMatchObject({ status: 403, body: 'Authorization denied for user alice\n', verb: 'head' });
  });

  it('returns 500 Authorization for user <u> failed when the review fails or answers allow and deny', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice');
    reviews.access.set('alice get /a', { allowed: true, denied: true });
    reviews.access.set(
      'alice get /b',
      new AuthnAuthzError(
        AuthnAuthzErrorCode.REVIEW_FORBIDDEN,
        'subjectaccessreviews request failed with HTTP 403',
        {
          details: { status: 403 },
        },
      ),
    );
    const a = await core.decide(req('GET', '/a', 'Bearer tok'));
    const b = await core.decide(req('GET', '/b', 'Bearer tok'));
    for (const d of [a, b])
      expect(d).toMatchObject({
        status: 500,
        body: 'Authorization for user alice failed\n',
        result: 'authorization_error',
      });
  });

  it('lets always-allowed groups (system:masters by default) skip the SubjectAccessReview', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'admin', ['system:masters']);
    const d = await core.decide(req('PUT', '/debug/flags/v', 'Bearer tok'));
    expect(d).toMatchObject({ status: 200, result: 'always_allowed_group' });
    expect(reviews.sarCalls).toHaveLength(0);
  });

  it('reviews system:masters like anyone else when alwaysAllowGroups is empty', async () => {
    const { core, reviews } = testCore({ alwaysAllowGroups: [] });
    reviews.user('tok', 'admin', ['system:masters']);
    expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(403);
    expect(reviews.sarCalls).toHaveLength(1);
  });
});
