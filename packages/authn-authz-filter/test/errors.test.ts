import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isKubediagError } from '@kubediag/options';
import { describe, expect, it } from 'vitest';
import { compileAlwaysAllowPaths } from '../src/always-allow-paths.ts';
import { AuthnAuthzError, AuthnAuthzErrorCode, isAuthnAuthzError } from '../src/errors.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import { fileClientCa, parseCaBundle } from '../src/internal/client-ca.ts';
import { withRetry } from '../src/internal/retry.ts';
import { loadKubeConfig } from '../src/kube-config.ts';
import { createKubeReviewClient } from '../src/kube-review-client.ts';
import { resolveAuthnAuthzOptions } from '../src/options.ts';
import { FakeClock, recordingLogger } from './support/fakes.ts';
import { listen } from './support/http.ts';

const CODES: readonly string[] = Object.values(AuthnAuthzErrorCode);
const src = fileURLToPath(new URL('../src/', import.meta.url));

/** What `f` threw or rejected with. */
async function failure(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('errors', () => {
  it('names every code KDIAG_AUTHN_AUTHZ_<KEY>, once', () => {
    for (const [key, code] of Object.entries(AuthnAuthzErrorCode)) {
      expect(key).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(code).toBe(`KDIAG_AUTHN_AUTHZ_${key}`);
    }
    expect(new Set(CODES).size).toBe(CODES.length);
    expect(CODES).toContain('KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS');
  });

  it('is one class: a kubediag error with a code, problems, cause and review details', () => {
    const cause = new Error('reset');
    const err = new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FAILED, 'tokenreviews request failed', {
      cause,
      details: { syscallCode: 'ECONNRESET' },
    });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'AuthnAuthzError',
      problems: [],
      details: { syscallCode: 'ECONNRESET' },
    });
    expect(err.cause).toBe(cause);
    expect(isKubediagError(err, 'KDIAG_AUTHN_AUTHZ_REVIEW_FAILED')).toBe(true);
    expect(isAuthnAuthzError(err, AuthnAuthzErrorCode.REVIEW_FAILED)).toBe(true);
    expect(isAuthnAuthzError(err, AuthnAuthzErrorCode.REVIEW_TIMEOUT)).toBe(false);
    expect(isAuthnAuthzError(new Error('x'))).toBe(false);
  });

  it('gives every error thrown on a failure path a code of AuthnAuthzErrorCode', async () => {
    const refusing = await listen((_req, res) => void res.end());
    await refusing.close();
    const unready = { getCurrentCluster: () => null, applyToHTTPSOptions: async () => {} };
    const failures = await Promise.all([
      failure(() => withAuthenticationAndAuthorization({ tokenCacheTTLMs: -1 })),
      failure(() => compileAlwaysAllowPaths(['/a*b'])),
      failure(() => loadKubeConfig({ env: {}, serviceAccountPrefix: '/nonexistent' })),
      failure(() => loadKubeConfig({ kubeConfig: unready })),
      failure(() => parseCaBundle('no certificate', 'clientCA')),
      failure(() => fileClientCa('/nonexistent/ca.crt', 0, recordingLogger())),
      failure(() =>
        createKubeReviewClient({
          getCurrentCluster: () => ({ server: refusing.url }),
          applyToHTTPSOptions: async () => {},
        }).tokenReview({ token: 't' }, AbortSignal.timeout(5_000)),
      ),
      failure(() =>
        withRetry(
          {
            backoff: resolveAuthnAuthzOptions().retry,
            clock: new FakeClock(),
            random: () => 0,
            timeout: 1,
            what: 'tokenreview',
          },
          (signal) =>
            new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
        ),
      ),
    ]);
    for (const err of failures) {
      expect(isAuthnAuthzError(err), String(err)).toBe(true);
      expect(CODES).toContain((err as AuthnAuthzError).code);
    }
  });

  it('creates errors only with a code of AuthnAuthzErrorCode in the sources', () => {
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const keys = Object.keys(AuthnAuthzErrorCode);
    let created = 0;
    for (const file of files) {
      const text = readFileSync(join(src, file), 'utf8');
      for (const m of text.matchAll(/new AuthnAuthzError\(\s*([\w.]+)/g)) {
        created++;
        expect(m[1], file).toMatch(/^AuthnAuthzErrorCode\.\w+$/);
        expect(keys, file).toContain(m[1]!.split('.')[1]);
      }
    }
    expect(created).toBeGreaterThan(10);
  });
});
