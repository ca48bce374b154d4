import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'node:https';
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDiscardLogger, createLogger } from '@kubediag/klog';
import { publishSecret } from '@kubediag/envtest';
import {
  createDiagnosticsServer,
  type DiagnosticsServer,
  type DiagnosticsServerOptions,
  type FilterProvider,
} from '../src/index.ts';
import { servingPair } from './support/certificates.ts';
import { activeResources, activeSince, watchingResources } from './support/resource-watch.ts';
import {
  resourceHoldingFilter,
  startFakeReviewServer,
  type FakeReviewServer,
} from './support/resource-holding-filter.ts';
import { call } from './support/http-client.ts';

/** A server on a free loopback port, logging nowhere, with a registry of its own. */
function onFreePort(options: DiagnosticsServerOptions): DiagnosticsServer {
  return createDiagnosticsServer({
    bindAddress: '127.0.0.1:0',
    logger: createDiscardLogger(),
    registry: new Registry(),
    ...options,
  });
}

/** GET over `agent`, leaving the connection in the agent's pool (kept alive) when the server allows. */
function getKeptAlive(server: DiagnosticsServer, path: string, agent: Agent): Promise<number> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    request(url, { agent, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    })
      .once('error', reject)
      .end();
  });
}

/** GET /readyz on the probe listener over `agent`, leaving the connection in the agent's pool. */
function probeKeptAlive(server: DiagnosticsServer, agent: HttpAgent): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(`${server.healthProbeUrl}/readyz`, { agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject);
  });
}

describe('unit: stop() leaves nothing open', { timeout: 20_000 }, () => {
  let review: FakeReviewServer;
  let certDir: string;
  beforeAll(async () => {
    review = await startFakeReviewServer();
    certDir = await mkdtemp(join(tmpdir(), 'kdiag-stop-'));
    await publishSecret(certDir, 1, await servingPair());
  });
  afterAll(async () => {
    await review.close();
    await rm(certDir, { recursive: true, force: true });
  });

  /**
   * A secure server with everything that opens something: cert-dir watch and poll, filter, pprof, the
   * probe listener.
   */
  function create(provider: FilterProvider): DiagnosticsServer {
    return onFreePort({
      filterProvider: provider,
      certDir,
      certReloadIntervalMs: 100,
      // The default @kubediag/pprof handler, which the server creates and must close.
      pprofHandler: undefined,
      healthProbeBindAddress: '127.0.0.1:0',
      // Far beyond the test: only stop() can end a connection still in its handshake.
      tlsHandshakeTimeoutMs: 60_000,
    });
  }

  it('closes the cert-dir watch, the filter, pprof, the probe listener, and every connection, kept-alive ones and handshakes included', async () => {
    const { provider, held } = resourceHoldingFilter(review, { closable: true });
    const client = new Agent({ keepAlive: true });
    const prober = new HttpAgent({ keepAlive: true });
    let handshaking: Socket | undefined;
    await watchingResources(
      async (watch) => {
        const before = activeResources();
        const server = create(provider);
        await server.start();
        expect(await getKeptAlive(server, '/debug/pprof/', client)).toBe(200);
        expect(await getKeptAlive(server, '/metrics', client)).toBe(200);
        expect(await probeKeptAlive(server, prober)).toBe(200);
        // A connection that never starts its handshake: the HTTP server does not know it yet.
        const port = server.address()!.port;
        handshaking = netConnect({ host: '127.0.0.1', port });
        handshaking.on('error', () => undefined);
        await new Promise((resolve) => handshaking!.once('connect', resolve));
        // What is open now: the listeners, the watch, both ends of the connections, timers.
        expect(watch.stillOpen()).toEqual(
          expect.arrayContaining(['FSEVENTWRAP', 'TCPSERVERWRAP', 'TCPWRAP', 'Timeout']),
        );
        expect(client.freeSockets).not.toEqual({});
        expect(prober.freeSockets).not.toEqual({});

        // stop() itself closes that connection, long before its handshake deadline.
        let bound: NodeJS.Timeout | undefined;
        const stopped = await Promise.race([
          server.stop(200).then(() => 'stopped'),
          new Promise((resolve) => (bound = setTimeout(resolve, 10_000, 'still stopping'))),
        ]);
        clearTimeout(bound);
        expect(stopped).toBe('stopped');

        expect(held.closes).toBe(1);
        // Sockets finish closing after stop() resolves (the client's end sees the server's FIN).
        expect(await watch.remaining()).toEqual([]);
        expect(activeSince(before)).toEqual([]);
      },
      () => {
        client.destroy();
        prober.destroy();
        handshaking?.destroy();
        held.release();
      },
    );
  });

  it('closes the health-probe watchdog: its worker thread, their channel and the heartbeat timer', async () => {
    const prober = new HttpAgent({ keepAlive: true });
    await watchingResources(
      async (watch) => {
        const before = activeResources();
        const server = onFreePort({
          bindAddress: '0',
          healthProbeBindAddress: '127.0.0.1:0',
          healthProbeWatchdog: { enabled: true },
        });
        await server.start();
        expect(await probeKeptAlive(server, prober)).toBe(200);
        // The probe's connection is the worker's: here, only the client's end of it.
        expect(watch.stillOpen()).toEqual(
          expect.arrayContaining(['MESSAGEPORT', 'TCPWRAP', 'Timeout', 'WORKER']),
        );
        expect(prober.freeSockets).not.toEqual({});
        await server.stop(200);
        prober.destroy();
        expect(await watch.remaining()).toEqual([]);
        expect(activeSince(before)).toEqual([]);
      },
      () => prober.destroy(),
    );
  });

  it('would see what a filter without close() leaves behind (the check above is not vacuous)', async () => {
    const { provider, held } = resourceHoldingFilter(review, { closable: false });
    await watchingResources(async (watch) => {
      const server = create(provider);
      await server.start();
      await server.stop(1000);
      // The reload timer and the pooled review connection are still open; nothing else is.
      await watch.until(() => watch.stillOpen().every((t) => t === 'Timeout' || t === 'TCPWRAP'));
      expect(watch.stillOpen()).toEqual(expect.arrayContaining(['TCPWRAP', 'Timeout']));
      held.release();
      expect(await watch.remaining()).toEqual([]);
    }, held.release);
  });

  it('closes the filter when start() fails after the provider ran', async () => {
    const { provider, held } = resourceHoldingFilter(review, { closable: true });
    await watchingResources(async (watch) => {
      const server = onFreePort({
        filterProvider: provider,
        pprofHandler: null,
        clientCAFile: join(certDir, 'no-such-ca.crt'),
      });
      await expect(server.start()).rejects.toMatchObject({ code: 'KDIAG_SERVER_TLS' });
      expect(held.closes).toBe(1);
      expect(await watch.remaining()).toEqual([]);
    }, held.release);
  });
});

/** A plain-HTTP server on a free port: the filter lifecycle is the same in both modes. */
function plainServer(options: DiagnosticsServerOptions): DiagnosticsServer {
  return onFreePort({ secureServing: false, ...options });
}

describe('unit: the filter lifecycle', () => {
  it('closes the filter once, after in-flight requests drained', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    const server = plainServer({
      filterProvider: () => ({
        filter: (_log, handler) => handler,
        close: async () => {
          events.push('filter closed');
        },
      }),
      extraHandlers: {
        '/slow': (_req, res) =>
          new Promise<void>((resolve) => {
            release = () => {
              res.end('done\n');
              events.push('request answered');
              resolve();
            };
            arrived();
          }),
      },
    });
    await server.start();
    const pending = call(server, { path: '/slow' });
    await inHandler;
    const stopped = server.stop(5000);
    expect(events).toEqual([]);
    release();
    expect((await pending).body).toBe('done\n');
    await stopped;
    await server.stop();
    expect(events).toEqual(['request answered', 'filter closed']);
  });

  it('logs an error from close() and still stops', async () => {
    const lines: string[] = [];
    const server = plainServer({
      logger: createLogger({ output: { write: (s: string) => lines.push(s) } }),
      filterProvider: () => ({
        filter: (_log, handler) => handler,
        close: () => Promise.reject(new Error('review pool stuck')),
      }),
    });
    await server.start();
    await expect(server.stop()).resolves.toBeUndefined();
    expect(server.address()).toBeNull();
    expect(lines.join('')).toMatch(/"closing the filter".*review pool stuck/);
  });

  it('refuses what is neither a Filter nor a ClosableFilter, closing it if it can be closed', async () => {
    let closed = 0;
    const server = plainServer({
      filterProvider: (() => ({ filtr: () => undefined, close: async () => void closed++ })) as never,
    });
    await expect(server.start()).rejects.toMatchObject({
      code: 'KDIAG_SERVER_FILTER_PROVIDER',
      message:
        'filter provider failed to create filter for the metrics server: expected a Filter or a ClosableFilter ({ filter, close }), got an object',
    });
    expect(closed).toBe(1);
  });

  it('stop() during start() lets the start finish, then stops and closes the filter', async () => {
    let closes = 0;
    const server = plainServer({
      filterProvider: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return { filter: (_log, handler) => handler, close: async () => void closes++ };
      },
    });
    const started = server.start();
    const stopped = server.stop();
    await started;
    await stopped;
    expect(server.address()).toBeNull();
    expect(closes).toBe(1);
    await expect(server.start()).rejects.toMatchObject({ code: 'KDIAG_SERVER_STATE' });
  });
});
