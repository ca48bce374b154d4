import { describe, expect, it } from 'vitest';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDiscardLogger, createLogger } from '@kubediag/klog';
import { call } from './support/http-client.ts';
import { GOOD, startServer } from './support/test-server.ts';
import { createTestCertificateAuthority } from '@kubediag/envtest';
import { createDiagnosticsServer } from '../src/index.ts';

function handshake(
  url: string,
  opts: { minVersion?: 'TLSv1.2'; maxVersion?: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string; alpn?: string[] },
) {
  const u = new URL(url);
  return new Promise<{
    ok: boolean;
    protocol?: string | null;
    cipher?: string;
    alpn?: string | false | null;
    requestedCert?: boolean;
    error?: string;
  }>((resolve) => {
    const s = tlsConnect({
      host: u.hostname,
      port: Number(u.port),
      rejectUnauthorized: false,
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
      ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
    });
    s.once('secureConnect', () => {
      resolve({ ok: true, protocol: s.getProtocol(), cipher: s.getCipher().name, alpn: s.alpnProtocol });
      s.end();
    });
    s.once('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

describe('unit: lifecycle and TLS', () => {
  it('does nothing when the bind address is "0"', async () => {
    const s = createDiagnosticsServer({
      bindAddress: '0',
      filterProvider: null,
      logger: createDiscardLogger(),
    });
    await s.start();
    expect(s.disabled).toBe(true);
    expect(s.address()).toBeNull();
    expect(s.url).toBeUndefined();
    await s.stop();
  });

  it('fails the start when the filter provider throws', async () => {
    const s = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      logger: createDiscardLogger(),
      registry: new Registry(),
      pprofHandler: null,
      filterProvider: () => {
        throw new Error('no kubeconfig');
      },
    });
    await expect(s.start()).rejects.toThrow(
      'filter provider failed to create filter for the metrics server: no kubeconfig',
    );
    await expect(s.start()).rejects.toMatchObject({ code: 'KDIAG_SERVER_STATE' });
  });

  it('gives the filter provider the logger, registry and kubeConfig', async () => {
    const registry = new Registry();
    const kubeConfig = { marker: true };
    let seen: unknown;
    const s = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      logger: createDiscardLogger(),
      registry,
      kubeConfig,
      pprofHandler: null,
      filterProvider: async (ctx) => {
        seen = ctx;
        return (_log, h) => h;
      },
    });
    await s.start();
    await s.stop();
    expect(seen).toMatchObject({ registry, kubeConfig });
  });

  it('fails the start with KDIAG_SERVER_LISTEN when the port is taken', async () => {
    const { server, stop } = await startServer({ registry: new Registry() });
    try {
      const second = createDiagnosticsServer({
        bindAddress: `127.0.0.1:${server.address()!.port}`,
        filterProvider: null,
        pprofHandler: null,
        logger: createDiscardLogger(),
        registry: new Registry(),
      });
      await expect(second.start()).rejects.toMatchObject({ code: 'KDIAG_SERVER_LISTEN' });
    } finally {
      await stop();
    }
  });

  it('negotiates TLS 1.2+ only, HTTP/1.1 ALPN, and honours the Go cipher list for TLS 1.2', async () => {
    const { server, stop } = await startServer({
      registry: new Registry(),
      tlsCipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
    });
    try {
      const h2 = await handshake(server.url!, { alpn: ['h2', 'http/1.1'] });
      expect(h2.ok).toBe(true);
      expect(h2.alpn).toBe('http/1.1');
      expect(h2.protocol).toBe('TLSv1.3');
      const tls12 = await handshake(server.url!, { maxVersion: 'TLSv1.2' });
      expect(tls12.cipher).toBe('ECDHE-ECDSA-AES256-GCM-SHA384');
      const other = await handshake(server.url!, {
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      });
      expect(other.ok).toBe(false);
    } finally {
      await stop();
    }
  });

  it('refuses TLS 1.2 clients when the minimum is VersionTLS13', async () => {
    const { server, stop } = await startServer({ registry: new Registry(), tlsMinVersion: 'VersionTLS13' });
    try {
      expect((await handshake(server.url!, { maxVersion: 'TLSv1.2' })).ok).toBe(false);
      expect((await handshake(server.url!, {})).ok).toBe(true);
    } finally {
      await stop();
    }
  });

  it('requests a client certificate against the client CA and leaves the decision to the filter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kdiag-ca-'));
    const ca = await createTestCertificateAuthority('kubediag-client-ca');
    await writeFile(join(dir, 'ca.crt'), ca.certPem);
    let authorized: boolean | undefined;
    const s = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      logger: createDiscardLogger(),
      registry: new Registry(),
      pprofHandler: null,
      clientCAFile: join(dir, 'ca.crt'),
      filterProvider: () => (_log, h) => (req, res) => {
        authorized = (req.socket as TLSSocket).authorized;
        return h(req, res);
      },
    });
    await s.start();
    try {
      // No client certificate: the handshake still succeeds; the filter sees an unauthorized socket.
      const r = await call(s, { path: '/metrics' });
      expect(r.status).toBe(200);
      expect(authorized).toBe(false);
    } finally {
      await s.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets an in-flight request finish within the grace period, then closes', async () => {
    let release: () => void = () => undefined;
    const { server } = await startServer({
      registry: new Registry(),
      pprofHandler: (_req, res) =>
        new Promise<void>((resolve) => {
          release = () => {
            res.end('done\n');
            resolve();
          };
        }),
    });
    const url = server.url;
    const pending = call(server, { path: '/debug/pprof/profile', headers: GOOD });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = server.stop(5000);
    await new Promise((r) => setTimeout(r, 50));
    release();
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body).toBe('done\n');
    await stopped;
    expect(server.address()).toBeNull();
    await expect(call({ url } as typeof server, { path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('closes a request that outlives the grace period', async () => {
    const { server } = await startServer({
      registry: new Registry(),
      pprofHandler: () => new Promise(() => undefined),
    });
    const pending = call(server, { path: '/debug/pprof/profile', headers: GOOD }).catch(
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 100));
    await server.stop(100);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('unit: default pprof handler', () => {
  it('serves /debug/pprof/ from @kubediag/pprof behind the filter when no handler is given', async () => {
    const { server, records, stop } = await startServer({
      registry: new Registry(),
      pprofHandler: undefined,
    });
    try {
      const index = await call(server, { path: '/debug/pprof/', headers: GOOD });
      expect(index.status).toBe(200);
      expect(index.body).toContain('goroutine');
      expect(records.at(-1)).toEqual({ path: '/debug/pprof/', verb: 'get', user: 'alice' });
      const unknown = await call(server, { path: '/debug/pprof/nope', headers: GOOD });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toBe('Unknown profile\n');
    } finally {
      await stop();
    }
  });
});

describe('unit: connection limit', () => {
  it('refuses connections beyond maxConnections and keeps serving the ones it has', async () => {
    const { server, stop } = await startServer({ registry: new Registry(), maxConnections: 1 });
    const u = new URL(server.url!);
    const first = tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      first.once('secureConnect', () => resolve());
      first.once('error', reject);
    });
    try {
      const second = await new Promise<string>((resolve) => {
        const s = tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false });
        s.once('secureConnect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (err) => resolve(err.message));
        s.once('close', () => resolve('closed'));
      });
      expect(second).not.toBe('connected');
      first.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const reply = await new Promise<string>((resolve) => {
        let data = '';
        first.on('data', (d: Buffer) => (data += d.toString()));
        first.once('close', () => resolve(data));
      });
      expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      first.destroy();
      await stop();
    }
  });
});

describe('unit: logging', () => {
  it('logs the listening address at V(1) and each request at V(4), never the credentials', async () => {
    const lines: string[] = [];
    const logger = createLogger({ verbosity: 4, output: { write: (s: string) => lines.push(s) } });
    const { server, stop } = await startServer({ registry: new Registry(), logger });
    const port = server.address()!.port;
    try {
      await call(server, { path: '/metrics?secret=query', headers: GOOD });
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      await stop();
    }
    const all = lines.join('');
    expect(all).toMatch(/"serving diagnostics".*secure=true/);
    expect(all).toContain(`"port":${port}`);
    expect(all).toMatch(/"request".*method="GET" path="\/metrics" status=200/);
    expect(all).not.toContain('Bearer');
    expect(all).not.toContain('secret=query');
  });

  it('logs nothing per request at the default verbosity', async () => {
    const lines: string[] = [];
    const logger = createLogger({ verbosity: 0, output: { write: (s: string) => lines.push(s) } });
    const { server, stop } = await startServer({ registry: new Registry(), logger });
    await call(server, { path: '/metrics', headers: GOOD });
    await stop();
    expect(lines.join('')).toBe('');
  });
});
