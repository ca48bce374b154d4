import { afterEach, describe, expect, it } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { createDiscardLogger, createLogger } from '@kubediag/klog';
import { HealthChecks, type ProbeQuery } from '../src/health-checks.ts';
import { probeAnswer } from '../src/handlers/health.ts';
import { blockedReport } from '../src/watchdog/blocked-report.ts';
import { Heartbeat, HeartbeatReader, beatIntervalMs } from '../src/watchdog/heartbeat.ts';
import {
  RelayLogger,
  postLine,
  replayLine,
  type LogMessage,
  type RelayedLine,
} from '../src/watchdog/relay-logger.ts';
import { startWatchdogProbeListener, type WatchdogProbeListener } from '../src/watchdog/host.ts';
import { resolveDiagnosticsServerOptions } from '../src/options.ts';
import { probeListenerSettings } from '../src/probe-listener.ts';
import { startServer } from './support/test-server.ts';
import { call } from './support/http-client.ts';
import { expectProbeParity } from './support/probe-parity.ts';

// The health-probe watchdog (issue 17): the probe listener in a worker thread. What it answers while
// the main loop is blocked is tested against a real blocked process in health-probe-watchdog-stall.test.ts;
// here, what it answers while the loop turns, its policy, and its failure modes.

const WATCHDOG = { healthProbeBindAddress: '127.0.0.1:0', healthProbeWatchdog: { enabled: true } };

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('unit: the watchdog while the main loop turns', () => {
  it('answers every probe exactly as the diagnostics port does, the checks run on the main thread', async () => {
    const { server, records, stop } = await startServer({ registry: new Registry(), ...WATCHDOG });
    cleanup = stop;
    const probes = server.healthProbeUrl!;
    const seenByCheck: unknown[] = [];
    await expectProbeParity(server, probes, (req) =>
      seenByCheck.push([req.method, req.url, req.headers['x-probe']]),
    );
    // A check gets the probe's method, path and headers, as it would on the main thread's listener.
    expect(seenByCheck).toContainEqual(['GET', '/healthz/loop', 'kubelet']);
    expect((await call(probes, { path: '/metrics' })).status, 'the probe port serves probes only').toBe(404);
    expect(records).toEqual([]);
  });

  it('fails start() with KDIAG_SERVER_LISTEN when its address is taken, as the listener on the main thread does', async () => {
    const { server, stop } = await startServer({ registry: new Registry(), ...WATCHDOG });
    cleanup = stop;
    const second = await startServer({
      registry: new Registry(),
      healthProbeBindAddress: new URL(server.healthProbeUrl!).host,
      healthProbeWatchdog: { enabled: true },
    }).catch((err: unknown) => err);
    expect(second).toMatchObject({
      code: 'KDIAG_SERVER_LISTEN',
      message: expect.stringMatching(/EADDRINUSE/),
    });
  });
});

describe('unit: what the watchdog answers while the main loop is blocked', () => {
  const answer = (query: ProbeQuery, blockedMs: number, verbose = true): { status: number; body: string } =>
    probeAnswer(query, blockedReport(query, blockedMs, 10_000), verbose);

  it('fails /readyz at once, with the one reason shown on the aggregate', () => {
    expect(answer({ endpoint: 'readyz', exclude: [] }, 600, false)).toEqual({
      status: 500,
      body: '[-]event-loop failed: blocked for 600ms\nhealthz check failed\n',
    });
    expect(answer({ endpoint: 'readyz', check: 'informers', exclude: [] }, 5040)).toEqual({
      status: 500,
      body: 'internal server error: event loop blocked for 5.0s\n',
    });
  });

  it('keeps /livez and /healthz ok up to livenessFailAfterMs, saying why when verbose, and fails them past it', () => {
    for (const endpoint of ['livez', 'healthz'] as const) {
      expect(answer({ endpoint, exclude: [] }, 9_960, false)).toEqual({ status: 200, body: 'ok' });
      expect(answer({ endpoint, exclude: [] }, 9_960)).toEqual({
        status: 200,
        body:
          '[+]event-loop ok\n' +
          `warn: event loop blocked for 10.0s, checks not run; ${endpoint} fails once blocked for more than 10.0s\n` +
          'healthz check passed\n',
      });
      expect(answer({ endpoint, check: 'ping', exclude: [] }, 9_960)).toEqual({ status: 200, body: 'ok' });
      expect(answer({ endpoint, exclude: [] }, 10_050, false)).toEqual({
        status: 500,
        body: '[-]event-loop failed: blocked for 10.1s\nhealthz check failed\n',
      });
    }
  });

  it('does not let ?exclude=event-loop hide the block', () => {
    expect(answer({ endpoint: 'readyz', exclude: ['event-loop'] }, 700)).toEqual({
      status: 500,
      body:
        '[-]event-loop failed: blocked for 700ms\n' +
        'warn: some health checks cannot be excluded: no matches for "event-loop"\nhealthz check failed\n',
    });
  });
});

/** Busy-waits the calling thread: nothing else runs on it meanwhile. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // blocked
  }
}

describe("unit: the worker's log lines", () => {
  it("reach the server's logger across a MessagePort with their names, values, severities and levels", async () => {
    const lines: string[] = [];
    const main = createLogger({
      verbosity: 2,
      caller: false,
      output: { write: (s: string) => lines.push(s) },
    });
    const { port1, port2 } = new MessageChannel();
    port2.on('message', (m: LogMessage) => replayLine(main.withName('diagnostics-server'), m.line));
    const send = (line: RelayedLine): void => postLine(port1, line);
    const log = new RelayLogger(send).withName('health-probes').withValues({ listener: 'probes' });
    log.info('serving', { address: { port: 8081 } });
    log.V(2).info('shown at -v 2');
    log.V(3).info('not shown at -v 2');
    log.warning('slow');
    log.error(new Error('boom'), 'failed', { handler: () => undefined });
    // Messages arrive in order: once the last line is written, every line is.
    while (!lines.at(-1)?.includes('"failed"')) await new Promise((resolve) => setTimeout(resolve, 5));
    port1.close();
    const text = lines.map((l) => l.replace(/^(\w)\S+ \S+ +\d+ /, '$1 ')).join('');
    expect(text).toBe(
      'I ???:1] "serving" logger="diagnostics-server.health-probes" listener="probes" address={"port":8081}\n' +
        'I ???:1] "shown at -v 2" logger="diagnostics-server.health-probes" listener="probes"\n' +
        'W ???:1] "slow" logger="diagnostics-server.health-probes" listener="probes"\n' +
        'E ???:1] "failed" err="boom" logger="diagnostics-server.health-probes" listener="probes" handler="[Function: handler]"\n',
    );
  });
});

describe('unit: the heartbeat', () => {
  it('beats a fifth of the bound, 10 to 100 ms apart', () => {
    expect([50, 500, 5000].map(beatIntervalMs)).toEqual([10, 100, 100]);
  });

  it('reads as blocked once the loop has not turned for longer than the bound, and as turning after the next beat', async () => {
    const gaps: number[] = [];
    const heartbeat = new Heartbeat(10, (gap) => gaps.push(gap));
    heartbeat.start();
    try {
      const reader = new HeartbeatReader(heartbeat.buffer, 100);
      expect(reader.blockedForMs()).toBeUndefined();
      block(250);
      // No beat could run during the busy wait: the last one is at least 250 ms old.
      expect(reader.blockedForMs()).toBeGreaterThanOrEqual(250);
      const before = reader.lastBeatNs();
      while (reader.lastBeatNs() === before) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(reader.blockedForMs()).toBeUndefined();
      // The beat after the block measured the whole gap.
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(250);
    } finally {
      heartbeat.stop();
    }
  });
});

/** The body of the first answer to GET `path`, retrying refused connections for up to 5 s (a bound, not a timing). */
async function firstAnswer(url: string, path: string): Promise<string> {
  const until = Date.now() + 5000;
  for (;;) {
    try {
      return (await call(url, { path })).body;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('unit: the watchdog thread failing never takes the probes down', () => {
  const settings = probeListenerSettings(
    resolveDiagnosticsServerOptions({ healthProbeBindAddress: '127.0.0.1:0' }),
  );
  const watchdog = resolveDiagnosticsServerOptions({}).healthProbeWatchdog;

  function logged(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
    const lines: string[] = [];
    return { logger: createLogger({ output: { write: (s: string) => lines.push(s) } }), lines };
  }

  async function start(
    workerModule?: () => { entry: string },
  ): Promise<{ listener: WatchdogProbeListener; lines: string[]; url: () => string }> {
    const checks = new HealthChecks(1000, createDiscardLogger());
    checks.add('readyz', 'informers', () => undefined);
    const { logger, lines } = logged();
    const listener = await startWatchdogProbeListener(settings, watchdog, checks, logger, workerModule);
    cleanup = () => listener.stop(1000);
    return { listener, lines, url: () => `http://127.0.0.1:${listener.address()!.port}` };
  }

  it('serves from the main thread when the worker cannot start, and logs why', async () => {
    const { listener, lines, url } = await start(() => ({ entry: 'file:///nonexistent/kubediag-worker.js' }));
    expect(listener.worker).toBeUndefined();
    expect(lines.join('')).toMatch(
      /^E.*"health-probe watchdog could not start; serving health probes from the main thread" err=.*kubediag-worker/m,
    );
    expect((await call(url(), { path: '/readyz?verbose' })).body).toBe(
      '[+]informers ok\nhealthz check passed\n',
    );
  });

  it('takes the listener back on the same port when the worker dies, and logs it', async () => {
    const { listener, lines, url } = await start();
    const before = url();
    expect((await call(before, { path: '/readyz' })).body).toBe('ok');
    await listener.worker!.terminate();
    expect(listener.worker).toBeUndefined();
    expect(url()).toBe(before);
    // The main thread binds once the worker has exited: the first probe may find the port closed.
    expect(await firstAnswer(before, '/readyz?verbose')).toBe('[+]informers ok\nhealthz check passed\n');
    expect(lines.join('')).toMatch(
      /^E.*"health-probe watchdog thread failed; serving health probes from the main thread" err=.*exited with code 1/m,
    );
  });
});
