import { describe, expect, it } from 'vitest';
import { createStaticReviewClient } from '../src/static-auth/static-review-client.ts';
import { nonResourceURLMatches, staticRulesAllow } from '../src/static-auth/static-rules.ts';
import { parseTokenFile } from '../src/static-auth/token-file.ts';

const signal = new AbortController().signal;

describe('parseTokenFile', () => {
  it('reads apiserver token-file rows with quoted group lists', () => {
    const entries = parseTokenFile(
      ['s3cr3t,alice,uid-1,"metrics-readers,system:masters"', '', '# comment', 'other, bob ,uid-2'].join(
        '\n',
      ),
      'tokens.csv',
    );
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      username: 'alice',
      uid: 'uid-1',
      groups: ['metrics-readers', 'system:masters'],
    });
    expect(entries[1]).toMatchObject({ username: 'bob ', uid: 'uid-2', groups: [] });
  });

  it('keeps no token in clear', () => {
    const entries = parseTokenFile('s3cr3t,alice,uid-1', 'tokens.csv');
    expect(JSON.stringify(entries)).not.toContain('s3cr3t');
    expect(entries[0]!.tokenSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [
      'only,two',
      "token file 'f' must have at least 3 columns (token, user name, user uid), found 2 in record 1",
    ],
    [',alice,1', "token file 'f' record 1: token and user name must not be empty"],
    ['a,b,c\na,d,e', "token file 'f' record 2: duplicate token"],
    ['a,b,"c', "token file 'f' record 1: unterminated quoted field"],
  ])('rejects %j with a clear message', (text, message) => {
    expect(() => parseTokenFile(text, 'f')).toThrow(message);
    try {
      parseTokenFile(text, 'f');
    } catch (err) {
      expect(err).toMatchObject({ code: 'KDIAG_DIAGNOSTICS_TOKEN_FILE_INVALID' });
    }
  });
});

describe('static rules', () => {
  it('matches nonResourceURLs as RBAC does', () => {
    expect(nonResourceURLMatches('/debug/pprof/*', '/debug/pprof/heap')).toBe(true);
    expect(nonResourceURLMatches('/debug/pprof/*', '/debug/pprof')).toBe(false);
    expect(nonResourceURLMatches('/metrics', '/metrics')).toBe(true);
    expect(nonResourceURLMatches('/metrics', '/metrics/extra')).toBe(false);
    expect(nonResourceURLMatches('*', '/anything')).toBe(true);
  });

  it('binds rules to users and groups and checks the verb', () => {
    const rules = [
      { groups: ['readers'], nonResourceURLs: ['/metrics'], verbs: ['get'] },
      { users: ['ops'], nonResourceURLs: ['/debug/flags/v'], verbs: ['put'] },
    ];
    expect(staticRulesAllow(rules, 'x', ['readers'], '/metrics', 'get')).toBe(true);
    expect(staticRulesAllow(rules, 'x', ['readers'], '/metrics', 'put')).toBe(false);
    expect(staticRulesAllow(rules, 'ops', [], '/debug/flags/v', 'put')).toBe(true);
    expect(staticRulesAllow(rules, 'x', ['others'], '/metrics', 'get')).toBe(false);
  });
});

describe('createStaticReviewClient', () => {
  const client = createStaticReviewClient(parseTokenFile('good,alice,u1,"readers"', 't'), [
    { groups: ['readers'], nonResourceURLs: ['/metrics'], verbs: ['get'] },
  ]);

  it('authenticates a known token and rejects an unknown one', async () => {
    expect(await client.tokenReview({ token: 'good' }, signal)).toEqual({
      authenticated: true,
      user: { username: 'alice', uid: 'u1', groups: ['readers'] },
    });
    expect(await client.tokenReview({ token: 'bad' }, signal)).toEqual({ authenticated: false });
  });

  it('allows what a rule grants and nothing else', async () => {
    const sar = (path: string, verb: string) =>
      client.subjectAccessReview(
        { user: 'alice', groups: ['readers'], nonResourceAttributes: { path, verb } },
        signal,
      );
    expect((await sar('/metrics', 'get')).allowed).toBe(true);
    expect((await sar('/debug/pprof/heap', 'get')).allowed).toBe(false);
  });
});
