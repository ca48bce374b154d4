import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestCertificateAuthority } from '@kubediag/envtest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AuthnAuthzErrorCode } from '../src/errors.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import { startFakeApiserver } from './support/fake-apiserver.ts';
import { recordingLogger, req, testCore } from './support/fakes.ts';
import { listen, request } from './support/http.ts';
import { beyond, trackResourcesFrom } from './support/live-resources.ts';
import { waitFor } from './support/wait.ts';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kubediag-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

describe('close()', () => {
  it('leaves no timer, socket or watcher behind: pooled review connections and the client CA reload timer are closed', async () => {
    const apiserver = await startFakeApiserver();
    closers.push(apiserver.close);
    const ca = await createTestCertificateAuthority('lifecycle-client-ca');
    const caFile = join(dir, 'client-ca.crt');
    writeFileSync(caFile, ca.certPem);

    const before = process.getActiveResourcesInfo();
    const ledger = trackResourcesFrom(src);
    closers.push(() => ledger.stop());
    const provider = withAuthenticationAndAuthorization({
      clientCAFile: caFile,
      clientCAReloadIntervalMs: 20,
    });
    const closable = await provider({ logger: recordingLogger(), kubeConfig: apiserver.kubeConfig });
    const host = await listen(closable.filter(recordingLogger(), (_req, res) => void res.end('ok')));
    for (const token of ['a', 'b', 'c']) {
      const res = await request(`${host.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
    await host.close();
    // The reviews went over pooled connections, which stay open, as the reload timer runs.
    expect(apiserver.reviews.length).toBeGreaterThanOrEqual(4);
    expect(apiserver.openConnections()).toBeGreaterThan(0);
    expect(ledger.live()).toEqual(expect.arrayContaining(['Timeout', 'TLSWRAP']));

    await closable.close();

    await waitFor(
      () =>
        apiserver.openConnections() === 0 &&
        ledger.live().length === 0 &&
        beyond(before, process.getActiveResourcesInfo()).length === 0,
    );
    expect(beyond(before, process.getActiveResourcesInfo())).toEqual([]);
    expect(ledger.live()).toEqual([]);
  });

  it('is idempotent, and every request decided after it fails closed with 500', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    expect((await core.decide(req('GET', '/metrics', 'Bearer tok'))).status).toBe(200);
    const first = core.close();
    expect(core.close()).toBe(first);
    await first;
    for (const url of ['/metrics', '/healthz']) {
      const d = await core.decide(req('GET', url, 'Bearer tok'));
      expect(d).toMatchObject({ allowed: false, status: 500, body: 'Authentication failed\n' });
      expect(d.reason).toContain(AuthnAuthzErrorCode.CLOSED);
    }
    expect(reviews.tokenCalls).toHaveLength(1);
  });

  it('aborts a review in flight, whose request then fails closed with 500', async () => {
    const { core, reviews } = testCore();
    let aborted = false;
    reviews.tokens.set(
      'slow',
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    );
    const pending = core.decide(req('GET', '/metrics', 'Bearer slow'));
    await Promise.resolve();
    await core.close();
    const d = await pending;
    expect(aborted).toBe(true);
    expect(d).toMatchObject({ status: 500, result: 'authentication_error' });
    expect(d.reason).toContain(AuthnAuthzErrorCode.CLOSED);
  });

  it('leaves a closed filter answering 500 through the node:http wrapper', async () => {
    const apiserver = await startFakeApiserver();
    closers.push(apiserver.close);
    const closable = await withAuthenticationAndAuthorization()({
      logger: recordingLogger(),
      kubeConfig: apiserver.kubeConfig,
    });
    const host = await listen(closable.filter(recordingLogger(), (_req, res) => void res.end('ok')));
    closers.push(host.close);
    await closable.close();
    const res = await request(`${host.url}/metrics`, { headers: { Authorization: 'Bearer a' } });
    expect([res.status, res.body]).toEqual([500, 'Authentication failed\n']);
    expect(apiserver.reviews).toHaveLength(0);
  });
});
