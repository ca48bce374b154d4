import { describe, expect, it } from 'vitest';
import { cleanPath, normalizeRequestTarget } from '../src/path.ts';

describe('unit: request-target normalization', () => {
  it.each([
    ['/metrics', '/metrics'],
    ['/debug/pprof/', '/debug/pprof/'],
    ['//metrics', '/metrics'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a'],
    ['/a/b/../', '/a/'],
    ['/../../metrics', '/metrics'],
    ['', '/'],
  ])('cleans %j to %j like net/http', (input, out) => {
    expect(cleanPath(input)).toBe(out);
  });

  it('keeps a clean path and the raw query', () => {
    expect(normalizeRequestTarget('/debug/pprof/profile?seconds=2&x=%2F')).toEqual({
      kind: 'clean',
      path: '/debug/pprof/profile',
      search: '?seconds=2&x=%2F',
    });
  });

  it('decodes unreserved escapes once', () => {
    expect(normalizeRequestTarget('/%6detrics')).toEqual({ kind: 'clean', path: '/metrics', search: '' });
    // A double-encoded dot stays a literal "%2e" segment after one decode: no traversal.
    expect(normalizeRequestTarget('/metrics/%252e%252e/debug')).toEqual({
      kind: 'clean',
      path: '/metrics/%2e%2e/debug',
      search: '',
    });
  });

  it('redirects traversal written with escapes', () => {
    expect(normalizeRequestTarget('/metrics/%2E%2E/debug/flags/v?x=1')).toEqual({
      kind: 'redirect',
      location: '/debug/flags/v?x=1',
    });
  });

  it('takes the path of an absolute-form target', () => {
    expect(normalizeRequestTarget('https://evil.example:8443/metrics?a')).toEqual({
      kind: 'clean',
      path: '/metrics',
      search: '?a',
    });
  });

  it('never produces a protocol-relative redirect', () => {
    const r = normalizeRequestTarget('//evil.example/..//x');
    expect(r).toEqual({ kind: 'redirect', location: '/x' });
  });

  it.each(['*', 'metrics', '/a%2fb', '/a%5Cb', '/a\\b', '/a%zz', '/a%00', '/a%0a', '/%C0%AF', '/%ff'])(
    'rejects %j',
    (raw) => {
      expect(normalizeRequestTarget(raw).kind).toBe('invalid');
    },
  );
});
