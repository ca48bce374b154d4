import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import {
  createDiagnosticsServer,
  type DiagnosticsServer,
  type DiagnosticsServerOptions,
} from '../src/index.ts';
import {
  HealthChecks,
  type HealthCheckRunner,
  type ProbeQuery,
  type ProbeReport,
} from '../src/health-checks.ts';
import { probeAnswer } from '../src/handlers/health.ts';
import { startServer, type FilterRecord } from './support/test-server.ts';
import { call } from './support/http-client.ts';
import { RawConnection } from './support/raw-connection.ts';
import { expectProbeParity } from './support/probe-parity.ts';

// The health-probe listener (controller-runtime's HealthProbeBindAddress): the kubelet's probes get a
// port of their own, which the clients of the diagnostics port cannot fill.

const PROBE = { healthProbeBindAddress: '127.0.0.1:0' };
const SLACK_MS = 5000;

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
});

async function serve(
  options: DiagnosticsServerOptions = {},
): Promise<{ server: DiagnosticsServer; records: FilterRecord[]; probes: string }> {
  const { server, records, stop } = await startServer({ registry: new Registry(), ...PROBE, ...options });
  stopServer = stop;
  return { server, records, probes: server.healthProbeUrl! };
}

/** A TCP connection that sends nothing, from `localAddress`; resolves once accepted. */
async function idleTcp(url: string, localAddress = '127.0.0.1'): Promise<Socket> {
  const u = new URL(url);
  const socket = netConnect({ host: u.hostname, port: Number(u.port), localAddress });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

describe('unit: health-probe listener', () => {
  it('is off by default, as controller-runtime leaves HealthProbeBindAddress', async () => {
    const { server, stop } = await startServer({ registry: new Registry() });
    stopServer = stop;
    expect(server.healthProbeAddress()).toBeNull();
    expect(server.healthProbeUrl).toBeUndefined();
  });

  it('answers every probe exactly as the diagnostics port does, without the filter', async () => {
    const { server, records, probes } = await serve();
    expect(probes).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expectProbeParity(server, probes);
    expect(records).toEqual([]);
  });

  it('serves nothing but the probes', async () => {
    const { records, probes } = await serve();
    for (const path of ['/metrics', '/debug/pprof/', '/debug/flags/v', '/statusz', '/flagz', '/']) {
      const r = await call(probes, { path });
      expect([r.status, r.body], path).toEqual([404, '404 page not found\n']);
    }
    expect(records).toEqual([]);
  });

  it('serves probes with the diagnostics port disabled', async () => {
    const server = createDiagnosticsServer({ bindAddress: '0', logger: createDiscardLogger(), ...PROBE });
    await server.start();
    stopServer = () => server.stop(1000);
    expect(server.url).toBeUndefined();
    expect((await call(server.healthProbeUrl!, { path: '/readyz' })).body).toBe('ok');
  });

  it('answers probes while every slot of the diagnostics port is held', async () => {
    const { server, probes } = await serve({ maxConnections: 4, maxConnectionsPerSource: 2 });
    const held = await Promise.all(
      ['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3'].map((a) => idleTcp(server.url!, a)),
    );
    for (let i = 0; i < 5; i++) expect((await call(probes, { path: '/readyz' })).status).toBe(200);
    for (const s of held) s.destroy();
  });

  it('refuses a source beyond healthProbeMaxConnectionsPerSource, and keeps answering other sources', async () => {
    const { probes } = await serve({ healthProbeMaxConnectionsPerSource: 2 });
    const held = [await idleTcp(probes, '127.0.0.2'), await idleTcp(probes, '127.0.0.2')];
    const third = await RawConnection.openUrl(probes, { localAddress: '127.0.0.2' });
    expect(await third.closedByServer()).toBe(true);
    const kubelet = await RawConnection.openUrl(probes, { localAddress: '127.0.0.1' });
    await kubelet.write('GET /livez HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect((await kubelet.answer())?.status).toBe(200);
    kubelet.close();
    for (const s of held) s.destroy();
  });

  it('refuses connections beyond healthProbeMaxConnections', async () => {
    const { probes } = await serve({ healthProbeMaxConnections: 2 });
    const held = [await idleTcp(probes, '127.0.0.2'), await idleTcp(probes, '127.0.0.3')];
    const third = await RawConnection.openUrl(probes, { localAddress: '127.0.0.4' });
    expect(await third.closedByServer()).toBe(true);
    for (const s of held) s.destroy();
  });

  it('closes a connection that sends no request head within healthProbeTimeoutMs, and after each answer', async () => {
    const { probes } = await serve({ healthProbeTimeoutMs: 300 });
    const silent = await RawConnection.openUrl(probes);
    const slow = await RawConnection.openUrl(probes);
    await slow.write('GET /livez HTTP/1.1\r\nHost: local');
    const kept = await RawConnection.openUrl(probes);
    await kept.write('GET /livez HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect((await kept.answer())?.status).toBe(200);
    const closed = await Promise.all([silent, slow, kept].map((c) => c.closedByServer(300 + SLACK_MS)));
    expect(closed).toEqual([true, true, true]);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('fails start() when its address is taken, leaving the diagnostics port closed', async () => {
    const { probes } = await serve();
    const second = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      logger: createDiscardLogger(),
      filterProvider: null,
      registry: new Registry(),
      healthProbeBindAddress: new URL(probes).host,
    });
    await expect(second.start()).rejects.toMatchObject({ code: 'KDIAG_SERVER_LISTEN' });
    expect(second.address()).toBeNull();
    expect(second.healthProbeAddress()).toBeNull();
  });
});

describe('unit: answering a probe is apart from running its checks', () => {
  const log = createDiscardLogger();
  const request = {} as IncomingMessage;

  it('answers from a report alone (no checks, no I/O)', () => {
    const query: ProbeQuery = { endpoint: 'readyz', exclude: ['db', 'nope'] };
    const report: ProbeReport = {
      outcomes: [
        { name: 'zeta', state: 'ok' },
        { name: 'db', state: 'excluded' },
        { name: 'alpha', state: 'failed', error: 'down' },
      ],
    };
    expect(probeAnswer(query, report, false)).toEqual({
      status: 500,
      body:
        '[-]alpha failed: reason withheld\n[+]db excluded: ok\n[+]zeta ok\n' +
        'warn: some health checks cannot be excluded: no matches for "nope"\nhealthz check failed\n',
    });
    expect(probeAnswer({ endpoint: 'readyz', check: 'alpha', exclude: [] }, { outcomes: [] }, false)).toEqual(
      {
        status: 404,
        body: '404 page not found\n',
      },
    );
  });

  // What issue 17's watchdog needs: a probe listener in a worker thread asks the main thread's checks
  // over a MessagePort, so what crosses it must survive a structured clone.
  it('runs the checks across a MessagePort and answers the same', async () => {
    const checks = new HealthChecks(1000, log);
    checks.add('readyz', 'alpha', () => undefined);
    checks.add('readyz', 'db', () => Promise.reject(new Error('connection refused')));
    const { port1, port2 } = new MessageChannel();
    port2.on('message', ({ id, query }: { id: number; query: ProbeQuery }) => {
      void checks.run(query, request).then((report) => port2.postMessage({ id, report }));
    });
    let next = 0;
    const remote: HealthCheckRunner = {
      run: (query) =>
        new Promise((resolve) => {
          const id = next++;
          const onReply = (reply: { id: number; report: ProbeReport }): void => {
            if (reply.id !== id) return;
            port1.off('message', onReply);
            resolve(reply.report);
          };
          port1.on('message', onReply);
          port1.postMessage({ id, query });
        }),
    };
    try {
      for (const query of [
        { endpoint: 'readyz', exclude: [] },
        { endpoint: 'readyz', exclude: ['db'] },
        { endpoint: 'readyz', check: 'db', exclude: [] },
        { endpoint: 'livez', exclude: ['ping'] },
      ] satisfies ProbeQuery[]) {
        const direct = probeAnswer(query, await checks.run(query, request), true);
        expect(probeAnswer(query, await remote.run(query, request), true)).toEqual(direct);
      }
    } finally {
      port1.close();
    }
  });
});
