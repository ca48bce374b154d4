import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDiagnostics, type Diagnostics } from '../../src/index.ts';
import { HttpsLoad, type LoadRequest } from './faults/https-load.ts';
import { createTestCertificateAuthority, publishSecret } from '@kubediag/envtest';

/*
 * Certificate rotation under load, at unit level: the TLS side needs no apiserver, so the port runs
 * with withDiagnostics' static authentication (the same filter, answering from a token table). The
 * serving pair lives in a cert dir updated like a mounted Secret (`..data` symlink swap); the server
 * watches the directory, with its default 10 s poll as the safety net.
 *
 * CI: 5 rotations, 1 s of load on each certificate. KUBEDIAG_RELIABILITY=full: 20 rotations, 3 s each.
 */
const FULL = process.env['KUBEDIAG_RELIABILITY'] === 'full';
const ROTATIONS = FULL ? 20 : 5;
const HOLD_MS = FULL ? 3_000 : 1_000;
const TOKEN = 'rotation-scraper-token';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
let diag: Diagnostics;
const registry = new Registry();
const logLines: string[] = [];
// One test CA signs every generation's serving pair; clients trust it, and tell generations apart by
// the fingerprint of the certificate their handshake got.
const ca = await createTestCertificateAuthority('rotation-ca');
const pairs = await Promise.all(
  Array.from({ length: ROTATIONS + 1 }, () =>
    ca.issue(
      { commonName: 'localhost' },
      { usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    ),
  ),
);
const fingerprints = pairs.map((p) => new X509Certificate(p.certPem).fingerprint256);
const caBundle = ca.certPem;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubediag-rotation-'));
  await publishSecret(dir, 1, pairs[0]!);
  diag = await withDiagnostics({
    name: 'rotation-operator',
    server: { bindAddress: '127.0.0.1:0', certDir: dir },
    staticAuth: {
      tokens: `${TOKEN},scraper,u1,"scrapers"`,
      rules: [{ groups: ['scrapers'], nonResourceURLs: ['/metrics'], verbs: ['get'] }],
    },
    logging: { output: { write: (s: string) => void logLines.push(s) }, verbosity: 2 },
    // A small /metrics body: the load is about TLS, not about rendering prom-client's runtime metrics.
    metrics: { registry, defaultMetrics: false },
  });
  await diag.start();
});

afterAll(async () => {
  await diag?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** The generation (0-based index into `pairs`) a new handshake gets right now. */
function servedGeneration(): Promise<number> {
  const { hostname, port } = new URL(diag.server.url!);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port), ca: caBundle, servername: 'localhost' }, () => {
      resolve(fingerprints.indexOf(s.getPeerCertificate().fingerprint256));
      s.end();
    });
    s.on('error', reject);
  });
}

async function waitForGeneration(g: number, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while ((await servedGeneration()) !== g) {
    if (performance.now() > until) throw new Error(`generation ${g} not served after ${timeoutMs} ms`);
    await sleep(20);
  }
}

describe('reliability: serving certificate rotated under steady HTTPS load', () => {
  it(
    `rotates ${ROTATIONS} times with zero failed requests; new connections get the new certificate`,
    {
      timeout: 60_000 + ROTATIONS * (HOLD_MS + 15_000),
    },
    async () => {
      expect(await servedGeneration()).toBe(0);
      const load = new HttpsLoad({
        url: diag.server.url!,
        caPem: caBundle,
        token: TOKEN,
        keepAliveClients: 4,
        newConnectionClients: 4,
      });
      load.start();
      await sleep(HOLD_MS);
      // When each generation was first seen by a new handshake, and how long the server took to pick it up.
      const seenAt: number[] = [0];
      const pickupMs: number[] = [];
      for (let g = 1; g <= ROTATIONS; g++) {
        const published = performance.now();
        await publishSecret(dir, g + 1, pairs[g]!);
        // The directory watch should see the swap at once; 15 s leaves room for the 10 s poll.
        await waitForGeneration(g, 15_000);
        seenAt.push(performance.now());
        pickupMs.push(Math.round(performance.now() - published));
        await sleep(HOLD_MS);
      }
      await load.stop();

      const reqs = load.requests;
      const generationOf = (r: LoadRequest): number => fingerprints.indexOf(r.fingerprint);
      const keepAlive = reqs.filter((r) => r.kind === 'keep-alive');
      const fresh = reqs.filter((r) => r.kind === 'new-connection');
      const failed = reqs.filter((r) => r.outcome !== 200);
      const metrics = await registry.metrics();
      const counter = (name: string): number =>
        Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? -1);
      const sorted = [...pickupMs].sort((a, b) => a - b);
      console.log(
        `[kubediag-reliability] cert-rotation ${JSON.stringify({
          rotations: ROTATIONS,
          holdMs: HOLD_MS,
          requests: reqs.length,
          keepAliveRequests: keepAlive.length,
          newConnectionRequests: fresh.length,
          keepAliveConnections: new Set(keepAlive.map((r) => r.socket)).size,
          failed: failed.length,
          perGeneration: fingerprints.map((_, g) => fresh.filter((r) => generationOf(r) === g).length),
          pickupMs: { median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) },
          certReads: counter('certwatcher_read_certificate_total'),
          certReadErrors: counter('certwatcher_read_certificate_errors_total'),
          node: process.version,
        })}`,
      );

      expect(failed.slice(0, 5)).toEqual([]);
      expect(keepAlive.length).toBeGreaterThan(0);
      expect(fresh.length).toBeGreaterThan(0);
      // Open connections are never dropped: each keep-alive client used the one connection it opened
      // before the first rotation for every request, with the certificate of that handshake.
      for (let c = 0; c < 4; c++) {
        const mine = keepAlive.filter((r) => r.client === c);
        expect(new Set(mine.map((r) => r.socket)).size).toBe(1);
        expect(new Set(mine.map(generationOf))).toEqual(new Set([0]));
      }
      // Every generation was served to new connections, and once a generation had been seen, no new
      // connection started afterwards got an older one.
      for (let g = 0; g <= ROTATIONS; g++) expect(fresh.some((r) => generationOf(r) === g)).toBe(true);
      for (const r of fresh) {
        const newest = seenAt.filter((t) => t <= r.startedAt).length - 1;
        expect(generationOf(r)).toBeGreaterThanOrEqual(newest);
      }
      // One read per published pair: the first and one per rotation.
      expect(counter('certwatcher_read_certificate_total')).toBe(ROTATIONS + 1);
      expect(logLines.filter((l) => l.includes('updated serving certificate'))).toHaveLength(ROTATIONS);
    },
  );
});
