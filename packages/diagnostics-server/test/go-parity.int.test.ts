/**
 * The Go-parity details of issue 16, side by side with the controller-runtime peer
 * (bench/peers/controller-runtime: controller-runtime's metrics server with its filter, and its
 * manager's health-probe server) against the same kube-apiserver: the same raw bytes sent to both
 * ports, the answers compared byte for byte where Go writes them itself, and by status, headers and
 * body where Go's handler writes them (the Date and the order of headers differ).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { setupDiagnosticsIdentities, useControlPlane, type DiagnosticsIdentities } from '@kubediag/envtest';
import { withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import { createDiagnosticsServer, type DiagnosticsServer } from '../src/index.ts';
import { startServerProcess, type ServerProcess } from './support/peer-process.ts';
import { RawConnection } from './support/raw-connection.ts';

const exec = promisify(execFile);
const PEER_BUILD = fileURLToPath(
  new URL('../../../bench/peers/controller-runtime/build.sh', import.meta.url),
);

interface Ports {
  readonly url: string;
  readonly probes: string;
}

/** Sends `head` on a new connection to `url` and returns every byte received until the server closed. */
async function rawAnswer(url: string, head: string): Promise<string> {
  const c = await RawConnection.openUrl(url);
  try {
    await c.write(head);
    await c.closedByServer();
    return c.received();
  } finally {
    c.close();
  }
}

/** Plain TCP to a TLS port: what the server answers in clear text before it closes. */
function plainAnswer(url: string, head: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let data = '';
    const s = netConnect({ host: u.hostname, port: Number(u.port) }, () => s.write(head));
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', () => undefined);
    s.once('close', () => resolve(data));
  });
}

/** An answer framed by the peer's handler: status line, the headers that matter, body. */
async function handlerAnswer(url: string, head: string): Promise<Record<string, unknown>> {
  const c = await RawConnection.openUrl(url);
  try {
    await c.write(head);
    const a = await c.answer();
    const h = a?.headers ?? {};
    return {
      status: a?.status,
      contentType: h['content-type'],
      nosniff: h['x-content-type-options'],
      contentLength: h['content-length'],
      chunked: h['transfer-encoding'],
      connection: h.connection === 'close' ? 'close' : 'kept',
      body: a?.body,
      sent100: c.received().startsWith('HTTP/1.1 100'),
    };
  } finally {
    c.close();
  }
}

/** A client-initiated TLS 1.2 renegotiation; then whether the next request was answered. */
async function renegotiate(url: string): Promise<{ renegotiated: boolean; servedAfter: boolean }> {
  const c = await RawConnection.openUrl(url, { tls: { maxVersion: 'TLSv1.2' } });
  try {
    const tls = c.socket as TLSSocket;
    const renegotiated = await new Promise<boolean>((resolve) => {
      if (!tls.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err === null))) resolve(false);
      tls.once('close', () => resolve(false));
    });
    await c.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    return { renegotiated, servedAfter: (await c.answer(2000)) !== undefined };
  } finally {
    c.close();
  }
}

describe('integration: Go parity with the controller-runtime peer', () => {
  let ids: DiagnosticsIdentities;
  let dir: string;
  let ours: DiagnosticsServer;
  let peer: ServerProcess;
  let kd: Ports;
  let cr: Ports;

  beforeAll(async () => {
    const built = (await exec('bash', [PEER_BUILD])).stdout.trim();
    ids = await setupDiagnosticsIdentities(await useControlPlane(), 'goparity');
    dir = await mkdtemp(join(tmpdir(), 'kdiag-goparity-'));
    const kubeconfig = join(dir, 'operator.kubeconfig');
    await writeFile(kubeconfig, ids.operatorKc.exportConfig(), { mode: 0o600 });
    peer = await startServerProcess(
      'controller-runtime',
      built,
      ['--kubeconfig', kubeconfig, '--health-probe-bind-address', '127.0.0.1:0'],
      process.env,
    );
    ours = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '127.0.0.1:0',
      filterProvider: withAuthenticationAndAuthorization(),
      kubeConfig: ids.operatorKc,
      registry: new Registry(),
      logger: createDiscardLogger(),
      pprofHandler: null,
    });
    await ours.start();
    kd = { url: ours.url!, probes: ours.healthProbeUrl! };
    cr = { url: peer.url, probes: peer.probes };
  });
  afterAll(async () => {
    await ours?.stop(1000);
    await peer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers plain HTTP on the TLS port with the same bytes', async () => {
    for (const head of [
      'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n',
      'DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const [k, c] = await Promise.all([plainAnswer(kd.url, head), plainAnswer(cr.url, head)]);
      expect(k, head).toBe(c);
    }
  });

  it('refuses HTTP/2.0, repeated, malformed and missing Host headers with the same bytes, on both ports', async () => {
    const heads = [
      'GET /metrics HTTP/2.0\r\nHost: localhost\r\n\r\n',
      'GET /metrics HTTP/3.0\r\nHost: localhost\r\n\r\n',
      'GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'GET /metrics HTTP/1.1\r\nHost: a b\r\n\r\n',
      'GET /metrics HTTP/1.1\r\nHost: user@localhost\r\n\r\n',
      'GET /metrics HTTP/1.1\r\n\r\n',
    ];
    for (const port of ['url', 'probes'] as const) {
      for (const head of heads) {
        const [k, c] = await Promise.all([rawAnswer(kd[port], head), rawAnswer(cr[port], head)]);
        expect(k, `${port}: ${head}`).toBe(c);
      }
    }
  });

  it('sends 401 and 403 as Go does: Content-Length, not chunked', async () => {
    const heads = [
      'GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n',
      `GET /metrics HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${ids.nobodyToken}\r\n\r\n`,
    ];
    for (const head of heads) {
      const [k, c] = await Promise.all([handlerAnswer(kd.url, head), handlerAnswer(cr.url, head)]);
      // The one deliberate difference: kubediag closes a refused connection (issue 16).
      expect({ ...k, connection: undefined }, head).toEqual({ ...c, connection: undefined });
      expect(k.connection).toBe('close');
    }
  });

  it('answers an unauthenticated Expect: 100-continue without 100 Continue, with Connection: close', async () => {
    const head =
      'POST /metrics HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n';
    const [k, c] = await Promise.all([handlerAnswer(kd.url, head), handlerAnswer(cr.url, head)]);
    expect(k).toEqual(c);
    expect(k).toMatchObject({ status: 401, sent100: false, connection: 'close' });
  });

  it('refuses TLS renegotiation and serves nothing after it', async () => {
    const [k, c] = await Promise.all([renegotiate(kd.url), renegotiate(cr.url)]);
    expect(k).toEqual(c);
    expect(k).toEqual({ renegotiated: false, servedAfter: false });
  });

  it('answers probes on the probe port with the same texts', async () => {
    for (const path of [
      '/healthz',
      '/healthz?verbose',
      '/readyz/',
      '/readyz/ping',
      '/readyz/nope',
      '/metrics',
    ]) {
      const head = `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;
      const [k, c] = await Promise.all([handlerAnswer(kd.probes, head), handlerAnswer(cr.probes, head)]);
      // controller-runtime's one-check answer has no nosniff header; kubediag's probes always send it.
      expect({ ...k, nosniff: undefined }, path).toEqual({ ...c, nosniff: undefined });
    }
  });
});
