import { describe, expect, it } from 'vitest';
import { AuthnAuthzError, AuthnAuthzErrorCode, isAuthnAuthzError } from '../src/errors.ts';
import { isRetryable, isUnavailable, withRetry } from '../src/internal/retry.ts';
import { resolveAuthnAuthzOptions } from '../src/options.ts';
import { FakeClock, req, testCore } from './support/fakes.ts';

const failed = (
  details: ConstructorParameters<typeof AuthnAuthzError>[2] extends infer E
    ? E extends { details?: infer D }
      ? D
      : never
    : never,
) => new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FAILED, 'request failed', { details });

function run(errors: unknown[], opts: { random?: () => number; timeout?: number } = {}) {
  const clock = new FakeClock();
  let calls = 0;
  const p = withRetry(
    {
      backoff: resolveAuthnAuthzOptions().retry,
      clock,
      random: opts.random ?? (() => 0),
      timeout: opts.timeout ?? 10_000,
      what: 'tokenreview',
    },
    async () => {
      const e = errors[calls++];
      if (e === undefined) return 'ok';
      throw e as Error;
    },
  );
  return { p, clock, calls: () => calls };
}

describe('retry', () => {
  it('retries transient failures with the apiserver webhook backoff (0.5 s x1.5)', async () => {
    const r = run([
      failed({ status: 500 }),
      failed({ syscallCode: 'ECONNRESET' }),
      failed({ status: 504 }),
      failed({ status: 429 }),
    ]);
    await expect(r.p).resolves.toBe('ok');
    expect(r.calls()).toBe(5);
    expect(r.clock.sleeps).toEqual([500, 750, 1125, 1687.5]);
  });

  it('adds up to 20% jitter', async () => {
    const r = run([failed({ status: 500 })], { random: () => 1 });
    await r.p;
    expect(r.clock.sleeps).toEqual([600]);
  });

  it('gives up after 5 attempts with the last error', async () => {
    const errs = Array.from({ length: 6 }, (_, i) => failed({ status: 500 + (i === 4 ? 4 : 0) }));
    const r = run(errs);
    await expect(r.p).rejects.toMatchObject({ details: { status: 504 } });
    expect(r.calls()).toBe(5);
  });

  it('does not retry 401, 403, a refused connection or a malformed answer', async () => {
    for (const e of [
      new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FORBIDDEN, 'x', { details: { status: 403 } }),
      new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FORBIDDEN, 'x', { details: { status: 401 } }),
      failed({ syscallCode: 'ECONNREFUSED' }),
      failed({ status: 404 }),
      new AuthnAuthzError(AuthnAuthzErrorCode.INVALID_REVIEW_RESPONSE, 'x'),
    ]) {
      const r = run([e, undefined]);
      await expect(r.p).rejects.toBe(e);
      expect(r.calls()).toBe(1);
    }
  });

  it('waits at least as long as Retry-After asks, and retries on it whatever the status', async () => {
    const r = run([failed({ status: 503, retryAfterSeconds: 2 })]);
    await expect(r.p).resolves.toBe('ok');
    expect(r.clock.sleeps).toEqual([2000]);
  });

  it('stops retrying when the next sleep would pass the review timeout', async () => {
    const r = run([failed({ status: 500 }), failed({ status: 500 }), failed({ status: 500 })], {
      timeout: 1_000,
    });
    await expect(r.p).rejects.toMatchObject({ details: { status: 500 } });
    expect(r.calls()).toBe(2);
  });

  it('aborts a hung review at the review timeout and fails closed with 500', async () => {
    const t = testCore({ reviewTimeoutMs: 30 });
    t.reviews.tokens.set(
      'tok',
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const d = await t.core.decide(req('GET', '/metrics', 'Bearer tok'));
    expect(d).toMatchObject({ status: 500, body: 'Authentication failed\n' });
    expect(d.reason).toContain(AuthnAuthzErrorCode.REVIEW_TIMEOUT);
  });

  it('classifies outages (refused, reset, timeout, 5xx, 429) as unavailable, RBAC errors not', () => {
    expect(isUnavailable(failed({ syscallCode: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnavailable(failed({ status: 503 }))).toBe(true);
    expect(isUnavailable(failed({ status: 429 }))).toBe(true);
    expect(isUnavailable(new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_TIMEOUT, 't'))).toBe(true);
    expect(
      isUnavailable(
        new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FORBIDDEN, 'f', { details: { status: 403 } }),
      ),
    ).toBe(false);
    expect(isUnavailable(failed({ status: 400 }))).toBe(false);
    expect(isUnavailable(new Error('x'))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
    expect(isAuthnAuthzError(failed({}), AuthnAuthzErrorCode.REVIEW_FAILED)).toBe(true);
  });
});
