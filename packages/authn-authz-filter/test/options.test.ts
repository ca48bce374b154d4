import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.ts';
import {
  DEFAULT_AUTHN_AUTHZ_OPTIONS,
  checkAuthnAuthzOptions,
  resolveAuthnAuthzOptions,
  validateAuthnAuthzOptions,
} from '../src/options.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';

describe('options', () => {
  it("defaults to controller-runtime's values", () => {
    const o = resolveAuthnAuthzOptions();
    expect(o).toMatchObject({
      tokenCacheTTLMs: 60_000,
      allowedTTLMs: 300_000,
      deniedTTLMs: 30_000,
      reviewTimeoutMs: 10_000,
      retry: { initialDelayMs: 500, factor: 1.5, jitter: 0.2, attempts: 5 },
      tokenCacheSize: 4096,
      authorizationCacheSize: 8192,
      staleIfErrorGraceMs: 300_000,
      audiences: [],
      alwaysAllowPaths: ['/healthz', '/livez', '/readyz'],
      alwaysAllowGroups: ['system:masters'],
      anonymous: false,
      audit: 4,
    });
    expect(Object.isFrozen(DEFAULT_AUTHN_AUTHZ_OPTIONS)).toBe(true);
  });

  it('keeps explicit zeros and empty lists (?? not ||)', () => {
    const o = resolveAuthnAuthzOptions({
      tokenCacheTTLMs: 0,
      staleIfErrorGraceMs: 0,
      alwaysAllowPaths: [],
      alwaysAllowGroups: [],
      audit: false,
    });
    expect(o).toMatchObject({
      tokenCacheTTLMs: 0,
      staleIfErrorGraceMs: 0,
      alwaysAllowPaths: [],
      alwaysAllowGroups: [],
      audit: false,
    });
  });

  it('accepts valid options', () => {
    expect(validateAuthnAuthzOptions(undefined)).toEqual([]);
    expect(
      validateAuthnAuthzOptions({
        tokenCacheTTLMs: 1,
        retry: { attempts: 1 },
        audiences: ['a'],
        clientCA: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
        audit: () => {},
      }),
    ).toEqual([]);
  });

  it('reports every problem with its field path', () => {
    const problems = validateAuthnAuthzOptions({
      tokenCacheTTLMs: -1,
      allowedTTLMs: 1.5,
      reviewTimeoutMs: 0,
      retry: { factor: 0.5, jitter: 2, attempts: 0, delay: 1 },
      tokenCacheSize: 0,
      audiences: ['ok', ''],
      alwaysAllowPaths: ['/healthz', '/a*b', 3],
      alwaysAllowGroups: 'system:masters',
      clientCAFile: '/ca.pem',
      clientCA: 'not pem',
      anonymous: 'yes',
      audit: 11,
      kubeConfig: {},
      reviewClient: { tokenReview: () => {} },
      tokenTTL: 5,
    });
    expect(problems.map((p) => p.path)).toEqual([
      'tokenTTL',
      'tokenCacheTTLMs',
      'allowedTTLMs',
      'reviewTimeoutMs',
      'tokenCacheSize',
      'retry.delay',
      'retry.factor',
      'retry.jitter',
      'retry.attempts',
      'audiences[1]',
      'alwaysAllowGroups',
      'alwaysAllowPaths[1]',
      'alwaysAllowPaths[2]',
      'clientCA',
      'clientCA',
      'anonymous',
      'audit',
      'kubeConfig',
      'reviewClient',
    ]);
    expect(problems.find((p) => p.path === 'alwaysAllowPaths[1]')?.message).toBe(
      'only trailing * allowed in "a*b"',
    );
    expect(problems.find((p) => p.path === 'tokenCacheTTLMs')?.message).toBe(
      'expected an integer number of milliseconds from 0 to 86400000, got -1',
    );
    expect(problems.find((p) => p.path === 'alwaysAllowGroups')?.message).toBe(
      'expected an array of strings, got "system:masters"',
    );
  });

  it('throws KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS listing all problems, already when the provider is created', () => {
    expect(() => checkAuthnAuthzOptions({ deniedTTLMs: -5, alwaysAllowPaths: ['x*y'] })).toThrow(
      expect.objectContaining({
        code: ERROR_CODES.INVALID_OPTIONS,
        message:
          'invalid authn-authz-filter options: deniedTTLMs: expected an integer number of milliseconds from 0 to 86400000, got -5; alwaysAllowPaths[0]: only trailing * allowed in "x*y"',
        problems: [
          expect.objectContaining({ path: 'deniedTTLMs' }),
          expect.objectContaining({ path: 'alwaysAllowPaths[0]' }),
        ],
      }),
    );
    expect(() => withAuthenticationAndAuthorization({ anonymous: 1 as unknown as boolean })).toThrow(
      /anonymous: expected a boolean, got 1/,
    );
  });

  it('rejects a non-object', () => {
    expect(validateAuthnAuthzOptions('fast')).toEqual([
      { path: '', message: 'expected an options object, got "fast"' },
    ]);
  });
});
