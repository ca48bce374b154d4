import { describe, expect, it } from 'vitest';
import { AuthnAuthzErrorCode } from '../src/errors.ts';
import type { AuthnAuthzOptions, ResolvedAuthnAuthzOptions } from '../src/options.ts';
import {
  applyAuthnAuthzOptions,
  resolveAuthnAuthzOptions,
  validateAuthnAuthzOptions,
} from '../src/options.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';

/** What a user may write by mistake, past the type checker (plain JavaScript, a config file). */
const untyped = (options: Record<string, unknown>): AuthnAuthzOptions => options;
const problemsOf = (options: unknown) =>
  validateAuthnAuthzOptions(resolveAuthnAuthzOptions(options as AuthnAuthzOptions));

describe('options', () => {
  it("defaults to controller-runtime's values", () => {
    const o = resolveAuthnAuthzOptions();
    expect(o).toEqual({
      tokenCacheTTLMs: 60_000,
      allowedTTLMs: 300_000,
      deniedTTLMs: 30_000,
      reviewTimeoutMs: 10_000,
      retry: { initialDelayMs: 500, factor: 1.5, jitter: 0.2, attempts: 5 },
      tokenCacheSize: 4096,
      authorizationCacheSize: 8192,
      tokenCacheMaxBytes: 4 * 1024 * 1024,
      authorizationCacheMaxBytes: 8 * 1024 * 1024,
      maxTokenBytes: 8192,
      reviewBudget: { maxInFlight: 32, ratePerSecond: 20, burst: 40, maxRetryAfterMs: 60_000 },
      staleIfErrorGraceMs: 300_000,
      audiences: [],
      clientCAFile: undefined,
      clientCA: undefined,
      clientCAReloadIntervalMs: 10_000,
      alwaysAllowPaths: ['/healthz', '/livez', '/readyz'],
      alwaysAllowGroups: ['system:masters'],
      anonymous: false,
      audit: 4,
      kubeConfig: undefined,
      reviewClient: undefined,
    });
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.retry)).toBe(true);
    expect(Object.isFrozen(o.reviewBudget)).toBe(true);
  });

  it('fills the retry block key by key and keeps explicit zeros and empty lists', () => {
    const o = resolveAuthnAuthzOptions({
      tokenCacheTTLMs: 0,
      staleIfErrorGraceMs: 0,
      retry: { attempts: 1 },
      alwaysAllowPaths: [],
      alwaysAllowGroups: [],
      audit: false,
    });
    expect(o).toMatchObject({
      tokenCacheTTLMs: 0,
      staleIfErrorGraceMs: 0,
      retry: { initialDelayMs: 500, factor: 1.5, jitter: 0.2, attempts: 1 },
      alwaysAllowPaths: [],
      alwaysAllowGroups: [],
      audit: false,
    });
  });

  it('accepts valid options', () => {
    expect(validateAuthnAuthzOptions(resolveAuthnAuthzOptions())).toEqual([]);
    expect(
      problemsOf({
        tokenCacheTTLMs: 1,
        retry: { attempts: 1 },
        audiences: ['a'],
        alwaysAllowPaths: ['', '/', '/debug/*'],
        clientCA: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
        audit: () => {},
      }),
    ).toEqual([]);
  });

  it('reports every problem with its path', () => {
    const problems = problemsOf({
      tokenCacheTTLMs: -1,
      allowedTTLMs: 1.5,
      reviewTimeoutMs: 0,
      retry: { factor: 0.5, jitter: 2, attempts: 0 },
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
    });
    expect(problems).toEqual([
      { path: 'tokenCacheTTLMs', message: 'expected a duration in milliseconds from 0 to 86400000, got -1' },
      { path: 'allowedTTLMs', message: 'expected a duration in milliseconds from 0 to 86400000, got 1.5' },
      { path: 'reviewTimeoutMs', message: 'expected a duration in milliseconds from 1 to 86400000, got 0' },
      { path: 'retry.factor', message: 'expected a number from 1 to 10, got 0.5' },
      { path: 'retry.jitter', message: 'expected a number from 0 to 1, got 2' },
      { path: 'retry.attempts', message: 'expected an integer from 1 to 20, got 0' },
      { path: 'tokenCacheSize', message: 'expected an integer from 1 to 1000000, got 0' },
      { path: 'audiences[1]', message: 'expected a non-empty string, got ""' },
      {
        path: 'clientCA',
        message:
          'expected PEM text with at least one "-----BEGIN CERTIFICATE-----" block, got text without one',
      },
      { path: 'alwaysAllowPaths[1]', message: 'only trailing * allowed in "a*b"' },
      { path: 'alwaysAllowPaths[2]', message: 'expected a string, got 3' },
      { path: 'alwaysAllowGroups', message: 'expected an array, got "system:masters"' },
      { path: 'anonymous', message: 'expected a boolean, got "yes"' },
      { path: 'audit', message: 'expected a verbosity from 0 to 10, a function or false, got 11' },
      { path: 'kubeConfig', message: 'expected a @kubernetes/client-node KubeConfig, got an object' },
      {
        path: 'reviewClient',
        message: 'expected an object with tokenReview and subjectAccessReview functions, got an object',
      },
      { path: 'clientCA', message: 'expected either clientCAFile or clientCA, got both' },
    ]);
  });

  it('refuses a misspelled key with its path and the key it most likely meant', () => {
    expect(
      problemsOf({ tokenCacheTTL: 5, alwaysAllowPath: ['/x'], retry: { atempts: 3, delay: 1 } }),
    ).toEqual([
      { path: 'retry.atempts', message: 'unknown option; did you mean "attempts"?' },
      {
        path: 'retry.delay',
        message: 'unknown option; expected one of initialDelayMs, factor, jitter, attempts',
      },
      { path: 'tokenCacheTTL', message: 'unknown option; did you mean "tokenCacheTTLMs"?' },
      { path: 'alwaysAllowPath', message: 'unknown option; did you mean "alwaysAllowPaths"?' },
    ]);
  });

  it('refuses a misspelled retry key already when the provider is created, so a typo cannot start', () => {
    expect(() => withAuthenticationAndAuthorization(untyped({ retry: { atempts: 1 } }))).toThrow(
      expect.objectContaining({
        code: AuthnAuthzErrorCode.INVALID_OPTIONS,
        message:
          'invalid authn-authz-filter options: retry.atempts: unknown option; did you mean "attempts"?',
        problems: [{ path: 'retry.atempts', message: 'unknown option; did you mean "attempts"?' }],
      }),
    );
    expect(() => withAuthenticationAndAuthorization(untyped({ anonymus: true }))).toThrow(
      /anonymus: unknown option; did you mean "anonymous"\?/,
    );
  });

  it('checks the review budget, the byte bounds and the token bound, each with its path and off switch', () => {
    expect(
      problemsOf({
        tokenCacheMaxBytes: 0,
        authorizationCacheMaxBytes: 0,
        maxTokenBytes: 0,
        reviewBudget: { maxInFlight: 0, ratePerSecond: 0, burst: 1, maxRetryAfterMs: 0 },
      }),
    ).toEqual([]);
    expect(
      problemsOf({
        tokenCacheMaxBytes: -1,
        authorizationCacheMaxBytes: '8Mi',
        maxTokenBytes: 1.5,
        reviewBudget: { maxInFlight: -1, ratePerSecond: Number.NaN, burst: 0, maxRetryAfterMs: -5 },
      }),
    ).toEqual([
      { path: 'tokenCacheMaxBytes', message: 'expected an integer from 0 to 1099511627776, got -1' },
      {
        path: 'authorizationCacheMaxBytes',
        message: 'expected an integer from 0 to 1099511627776, got "8Mi"',
      },
      { path: 'maxTokenBytes', message: 'expected an integer from 0 to 1000000, got 1.5' },
      { path: 'reviewBudget.maxInFlight', message: 'expected an integer from 0 to 1000000, got -1' },
      { path: 'reviewBudget.ratePerSecond', message: 'expected a number from 0 to 1000000, got NaN' },
      { path: 'reviewBudget.burst', message: 'expected an integer from 1 to 1000000, got 0' },
      {
        path: 'reviewBudget.maxRetryAfterMs',
        message: 'expected a duration in milliseconds from 0 to 86400000, got -5',
      },
    ]);
    expect(problemsOf({ reviewBudget: { ratePerSec: 5, maxInflight: 3 }, tokenCacheBytes: 1 })).toEqual([
      { path: 'reviewBudget.ratePerSec', message: 'unknown option; did you mean "ratePerSecond"?' },
      { path: 'reviewBudget.maxInflight', message: 'unknown option; did you mean "maxInFlight"?' },
      { path: 'tokenCacheBytes', message: 'unknown option; did you mean "tokenCacheMaxBytes"?' },
    ]);
  });

  it('throws KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS listing all problems, already when the provider is created', () => {
    expect(() => applyAuthnAuthzOptions({ deniedTTLMs: -5, alwaysAllowPaths: ['x*y'] })).toThrow(
      expect.objectContaining({
        code: AuthnAuthzErrorCode.INVALID_OPTIONS,
        message:
          'invalid authn-authz-filter options: deniedTTLMs: expected a duration in milliseconds from 0 to 86400000, got -5; alwaysAllowPaths[0]: only trailing * allowed in "x*y"',
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

  it('validates once: options it returned are taken as they are when passed back in', () => {
    const resolved = applyAuthnAuthzOptions({ tokenCacheTTLMs: 5 });
    expect(applyAuthnAuthzOptions(resolved)).toBe(resolved);
  });

  it('rejects a non-object', () => {
    expect(problemsOf('fast')).toEqual([{ path: '', message: 'expected an options object, got "fast"' }]);
    expect(() => applyAuthnAuthzOptions(untyped([] as unknown as Record<string, unknown>))).toThrow(
      /expected an options object, got an array/,
    );
  });

  it('resolves to a type the options accept again', () => {
    const resolved: ResolvedAuthnAuthzOptions = resolveAuthnAuthzOptions();
    const again: AuthnAuthzOptions = resolved;
    expect(again).toBe(resolved);
  });
});
