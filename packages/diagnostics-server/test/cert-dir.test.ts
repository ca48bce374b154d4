import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '@kubediag/klog';
import { call, peerCertificate } from './support/http-client.ts';
import { GOOD, startServer } from './support/test-server.ts';
import { publishSecret } from '@kubediag/envtest';
import { createDiagnosticsServer, type DiagnosticsServer } from '../src/index.ts';
import { servingPair } from './support/certificates.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kdiag-certs-'));
  dirs.push(d);
  return d;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('unit: serving certificate from a cert dir', { timeout: 20_000 }, () => {
  let server: DiagnosticsServer | undefined;
  afterEach(async () => {
    await server?.stop(500);
    server = undefined;
  });

  it('serves the pair from the dir and reloads it after a Secret-volume symlink swap without failing a request', async () => {
    const dir = await tempDir();
    const first = await servingPair();
    const second = await servingPair();
    await publishSecret(dir, 1, first);
    const registry = new Registry();
    // A long poll proves the directory watch, not the poll, picked the change up.
    ({ server } = await startServer({ certDir: dir, certReloadIntervalMs: 60_000, registry }));
    expect(server.servingCertificate()?.source).toBe('cert-dir');
    expect((await peerCertificate(server)).fingerprint256).toBe(first.fingerprint256);

    let failures = 0;
    let scrapes = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const r = await call(server, { path: '/metrics', headers: GOOD }).catch(() => undefined);
        scrapes++;
        if (r?.status !== 200) failures++;
      }
    })();
    await publishSecret(dir, 2, second);
    await waitFor(async () => (await peerCertificate(server!)).fingerprint256 === second.fingerprint256);
    running = false;
    await loop;
    expect(scrapes).toBeGreaterThan(0);
    expect(failures).toBe(0);
    expect(server.servingCertificate()?.fingerprint256).toBe(second.fingerprint256);
    expect(await registry.getSingleMetricAsString('certwatcher_read_certificate_total')).toMatch(
      /certwatcher_read_certificate_total 2/,
    );
  });

  it('keeps the old certificate when a reload finds a broken pair, and picks up a fixed one from the poll', async () => {
    const dir = await tempDir();
    const first = await servingPair();
    const other = await servingPair();
    await writeFile(join(dir, 'tls.crt'), first.certPem);
    await writeFile(join(dir, 'tls.key'), first.keyPem);
    const lines: string[] = [];
    const logger = createLogger({ output: { write: (s: string) => lines.push(s) } });
    const registry = new Registry();
    ({ server } = await startServer({ certDir: dir, certReloadIntervalMs: 200, logger, registry }));
    // A key that does not match the certificate.
    await writeFile(join(dir, 'tls.key'), other.keyPem);
    await waitFor(async () => lines.some((l) => l.includes('keeping the previous one')));
    expect((await peerCertificate(server)).fingerprint256).toBe(first.fingerprint256);
    expect((await call(server, { path: '/metrics', headers: GOOD })).status).toBe(200);
    expect(await registry.getSingleMetricAsString('certwatcher_read_certificate_errors_total')).not.toMatch(
      / 0$/,
    );
    await writeFile(join(dir, 'tls.crt'), other.certPem);
    await waitFor(async () => (await peerCertificate(server!)).fingerprint256 === other.fingerprint256);
  });

  it('fails the start when the dir holds an invalid pair', async () => {
    const dir = await tempDir();
    const a = await servingPair();
    const b = await servingPair();
    await writeFile(join(dir, 'tls.crt'), a.certPem);
    await writeFile(join(dir, 'tls.key'), b.keyPem);
    const s = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      filterProvider: null,
      certDir: dir,
      pprofHandler: null,
      registry: new Registry(),
    });
    await expect(s.start()).rejects.toMatchObject({ code: 'KDIAG_SERVER_CERTIFICATE' });
  });

  it('generates a certificate when only one of the two files exists, like controller-runtime', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'tls.crt'), (await servingPair()).certPem);
    ({ server } = await startServer({ certDir: dir, registry: new Registry() }));
    expect(server.servingCertificate()?.source).toBe('self-signed');
  });
});

describe('unit: generated certificate', () => {
  let server: DiagnosticsServer | undefined;
  afterEach(async () => {
    await server?.stop(500);
    server = undefined;
  });

  it('is an ECDSA P-256 leaf for localhost, 127.0.0.1 and the configured names, verifiable with the CA', async () => {
    ({ server } = await startServer({
      selfSignedNames: ['my-operator.ns.svc', '10.1.2.3'],
      registry: new Registry(),
    }));
    const info = server.servingCertificate()!;
    expect(info.source).toBe('self-signed');
    const peer = await peerCertificate(server);
    expect(peer.subjectaltname).toBe(
      'DNS:localhost, IP Address:127.0.0.1, DNS:my-operator.ns.svc, IP Address:10.1.2.3',
    );
    expect(peer.asn1Curve).toBe('prime256v1');
    const r = await call(server, { path: '/metrics', headers: GOOD, ca: info.caPem! });
    expect(r.status).toBe(200);
  });
});
