import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { Counter, Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { useControlPlane } from '@kubediag/envtest';
import { withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import { createDiagnosticsServer, type DiagnosticsServer } from '../src/index.ts';
import { servingPair, type ServingPair } from './support/certificates.ts';
import { setupDiagnosticsIdentities, type DiagnosticsIdentities } from '@kubediag/envtest';
import { publishSecret } from '@kubediag/envtest';
import { startPrometheus, type RunningPrometheus } from '@kubediag/envtest';
import { waitFor } from './support/exec.ts';

/** Both CAs in one PEM bundle; each PEM may lack its final newline, which Go's PEM reader needs. */
function bundle(...pairs: ServingPair[]): string {
  return pairs.map((p) => `${p.caPem.trimEnd()}\n`).join('');
}

function servedFingerprint(server: DiagnosticsServer): Promise<string> {
  const u = new URL(server.url!);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.once('error', reject);
  });
}

function scrape(server: DiagnosticsServer, token: string, ca: string): Promise<number> {
  const u = new URL(server.url!);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: '/metrics',
        ca,
        agent: false,
        headers: { Authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

describe('integration: a real Prometheus scrapes /metrics over HTTPS with a ServiceAccount token', () => {
  let ids: DiagnosticsIdentities;
  let server: DiagnosticsServer;
  let rotating: DiagnosticsServer;
  let prom: RunningPrometheus;
  let certDir: string;
  let first: ServingPair;
  let second: ServingPair;

  beforeAll(async () => {
    [first, second] = await Promise.all([servingPair(), servingPair()]);
    const cp = await useControlPlane();
    ids = await setupDiagnosticsIdentities(cp);
    const registry = new Registry();
    new Counter({ name: 'kubediag_scraped_total', help: 'Scrape test counter.', registers: [registry] }).inc(
      7,
    );
    server = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      filterProvider: withAuthenticationAndAuthorization(),
      kubeConfig: ids.operatorKc,
      registry,
      logger: createDiscardLogger(),
    });
    await server.start();

    certDir = await mkdtemp(join(tmpdir(), 'kdiag-rotate-'));
    await publishSecret(certDir, 1, first);
    rotating = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      filterProvider: withAuthenticationAndAuthorization(),
      kubeConfig: ids.operatorKc,
      registry: new Registry(),
      logger: createDiscardLogger(),
      certDir,
      pprofHandler: null,
    });
    await rotating.start();

    const ca = server.servingCertificate()!.caPem!;
    const target = (s: DiagnosticsServer) => new URL(s.url!).host;
    prom = await startPrometheus([
      { name: 'reader', target: target(server), token: ids.readerToken, caPem: ca },
      { name: 'nobody', target: target(server), token: ids.nobodyToken, caPem: ca },
      // Trusts both CAs, as a CA bundle does during a rotation.
      { name: 'rotate', target: target(rotating), token: ids.readerToken, caPem: bundle(first, second) },
    ]);
  });
  afterAll(async () => {
    await prom?.stop();
    await server?.stop(2000);
    await rotating?.stop(2000);
    if (certDir !== undefined) await rm(certDir, { recursive: true, force: true });
  });

  it('reports the target up and stores our series', async () => {
    const t = await waitFor('reader target up', async () => {
      const target = (await prom.targets()).find((x) => x.job === 'reader');
      return target?.health === 'up' ? target : undefined;
    });
    expect(t.lastError).toBe('');
    const series = await waitFor('series stored', async () => {
      const r = await prom.query('kubediag_scraped_total{job="reader"}');
      return r.length > 0 ? r : undefined;
    });
    expect(series[0]?.value[1]).toBe('7');
  });

  it('reports the target down with 403 when the ServiceAccount lacks RBAC', async () => {
    const t = await waitFor('nobody target down', async () => {
      const target = (await prom.targets()).find((x) => x.job === 'nobody');
      return target?.health === 'down' ? target : undefined;
    });
    expect(t.lastError).toMatch(/403/);
  });

  it('keeps every scrape succeeding while the cert dir rotates, and serves the new certificate', async () => {
    await waitFor('rotate target up', async () =>
      (await prom.targets()).find((x) => x.job === 'rotate')?.health === 'up' ? true : undefined,
    );
    expect(await servedFingerprint(rotating)).toBe(first.fingerprint256);

    const ca = bundle(first, second);
    // Prometheus's verdict is read over this window only: the target's first scrape, before it was up,
    // is a cold TokenReview under the 1 s scrape timeout and says nothing about the rotation.
    const windowStart = Date.now();
    let running = true;
    const statuses: (number | string)[] = [];
    const loop = (async () => {
      while (running) {
        statuses.push(await scrape(rotating, ids.readerToken, ca).catch((err: unknown) => String(err)));
        // A new TLS connection each time, but not back to back: the CPU is shared with Prometheus's scrapes.
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    await publishSecret(certDir, 2, second);
    await waitFor('new certificate served', async () =>
      (await servedFingerprint(rotating)) === second.fingerprint256 ? true : undefined,
    );
    // Let Prometheus scrape a few times with the new certificate.
    await new Promise((r) => setTimeout(r, 3500));
    running = false;
    await loop;

    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const window = `${Math.floor((Date.now() - windowStart) / 1000)}s`;
    const min = await prom.query(`min_over_time(up{job="rotate"}[${window}])`);
    const count = await prom.query(`count_over_time(up{job="rotate"}[${window}])`);
    const slowest = await prom.query(`max_over_time(scrape_duration_seconds{job="rotate"}[${window}])`);
    expect(
      min[0]?.value[1],
      `a Prometheus scrape failed in the last ${window}; slowest scrape ${slowest[0]?.value[1]} s ` +
        `(timeout 1 s), last error: ${(await prom.targets()).find((x) => x.job === 'rotate')?.lastError}`,
    ).toBe('1');
    expect(Number(count[0]?.value[1])).toBeGreaterThanOrEqual(4);
    const t = (await prom.targets()).find((x) => x.job === 'rotate');
    expect(t?.health).toBe('up');
  });
});
