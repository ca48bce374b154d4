import { describe, expect, it } from 'vitest';
import { checkAlwaysAllowPath, compileAlwaysAllowPaths } from '../src/always-allow-paths.ts';
import { parseBearerToken } from '../src/bearer-token.ts';
import { isHeaderName, pathOf, rawHeader, verbOf } from '../src/request-attributes.ts';

describe('parseBearerToken (k8s.io/apiserver bearertoken)', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['bEaReR abc', 'abc'],
    ['  Bearer abc  ', 'abc'],
    ['Bearer abc def', 'abc'],
    ['Bearer abc def ghi', 'abc'],
  ])('reads %j as %j', (header, token) => {
    expect(parseBearerToken(header)).toBe(token);
  });

  it.each([
    [undefined],
    [''],
    ['   '],
    ['Bearer'],
    ['Bearer '],
    ['Bearer  abc'],
    ['Basic YTpi'],
    ['Bearerabc'],
    ['Bearerx abc'],
    ['Bearer\tabc'],
    ['Token abc'],
  ])('finds no credentials in %j', (header) => {
    expect(parseBearerToken(header)).toBeUndefined();
  });

  it('uses the first value of a repeated header, as Go Header.Get does', () => {
    expect(parseBearerToken(['Bearer one', 'Bearer two'])).toBe('one');
  });
});

describe('always-allow paths (k8s.io/apiserver authorization/path)', () => {
  it('matches exact paths with an optional leading slash and prefixes with a trailing *', () => {
    const m = compileAlwaysAllowPaths(['healthz', '/readyz', '/debug/pprof/*']);
    expect(
      ['/healthz', 'healthz', '/readyz', '/debug/pprof/', '/debug/pprof/heap'].map((p) => m.matches(p)),
    ).toEqual(Array(5).fill(true));
    expect(['/healthz/', '/debug/pprof', '/readyzz', '/'].map((p) => m.matches(p))).toEqual(
      Array(4).fill(false),
    );
  });

  it('treats "" and "/" as the root only, and "*" as everything', () => {
    expect(compileAlwaysAllowPaths(['/']).matches('/')).toBe(true);
    expect(compileAlwaysAllowPaths(['']).matches('/x')).toBe(false);
    expect(compileAlwaysAllowPaths(['*']).matches('/anything/at/all')).toBe(true);
  });

  it('rejects a * anywhere but at the end with the apiserver text', () => {
    expect(checkAlwaysAllowPath('/debug/*/heap')).toBe('only trailing * allowed in "debug/*/heap"');
    expect(checkAlwaysAllowPath('**')).toBe('only trailing * allowed in "**"');
    expect(() => compileAlwaysAllowPaths(['/a*b'])).toThrow('only trailing * allowed in "a*b"');
    expect(checkAlwaysAllowPath('/debug/*')).toBeUndefined();
  });

  it('matches nothing when empty', () => {
    expect(compileAlwaysAllowPaths([]).matches('/healthz')).toBe(false);
  });
});

describe('pathOf', () => {
  it('drops the query and reduces absolute-form targets to their path', () => {
    expect(pathOf('/debug/pprof/profile?seconds=5')).toBe('/debug/pprof/profile');
    expect(pathOf('/metrics')).toBe('/metrics');
    expect(pathOf('http://example.com/metrics?x')).toBe('/metrics');
    expect(pathOf('*')).toBe('*');
  });
});

describe('header names and verbs', () => {
  it('matches header names case-insensitively, whatever the spelling', () => {
    for (const name of ['authorization', 'Authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn']) {
      expect(isHeaderName(name, 'authorization')).toBe(true);
    }
    for (const name of ['authorizatio', 'authorizations', 'x-authorization', 'proxy-authorization']) {
      expect(isHeaderName(name, 'authorization')).toBe(false);
    }
    expect(isHeaderName('User-Agent', 'user-agent')).toBe(true);
    expect(isHeaderName('USER-AGENT', 'user-agent')).toBe(true);
  });

  it('reads the first value of a header from rawHeaders', () => {
    const raw = ['Host', 'x', 'AUTHORIZATION', 'Bearer one', 'authorization', 'Bearer two'];
    expect(rawHeader(raw, 'authorization')).toBe('Bearer one');
    expect(rawHeader(raw, 'user-agent')).toBeUndefined();
  });

  it('lowercases any method into the authorization verb', () => {
    expect(['GET', 'PUT', 'HEAD', 'POST', 'DELETE', 'PATCH', 'OPTIONS'].map(verbOf)).toEqual([
      'get',
      'put',
      'head',
      'post',
      'delete',
      'patch',
      'options',
    ]);
    expect(verbOf('PROPFIND')).toBe('propfind');
    expect(verbOf('get')).toBe('get');
    expect(verbOf('constructor')).toBe('constructor');
    expect(verbOf('__proto__')).toBe('__proto__');
  });
});
