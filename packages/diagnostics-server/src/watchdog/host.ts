import type { AddressInfo } from 'node:net';
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from '../types.ts';
import type { HealthCheckRunner } from '../health-checks.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from '../errors.ts';
import { parseBindAddress } from '../listen.ts';
import { startProbeListener, type ProbeListener, type ProbeListenerSettings } from '../probe-listener.ts';
import { Heartbeat, beatIntervalMs } from './heartbeat.ts';
import type { ResolvedHealthProbeWatchdogOptions } from './options.ts';
import type { MainMessage, ProbeWorkerData, WorkerMessage } from './protocol.ts';
import { replayLine, warn } from './relay-logger.ts';
import { probeRequestOnMain } from './remote-checks.ts';
import { BLOCKED_MESSAGE } from './stall-log.ts';
import { formatBlockedDuration } from './blocked-report.ts';
import { BOOTSTRAP, probeWorkerModule, type WorkerModule } from './worker-module.ts';

/** Beyond the grace period, the time the worker has to say it stopped before it is terminated. */
const STOP_MARGIN_MS = 1000;

/**
 * The worker's own heap bounds. It allocates little (a few objects per probe): a 1 MiB young
 * generation costs 3 MiB less RSS than V8's default on Node 24 (bench/RESULTS.md), and 32 MiB of old
 * generation held 900 connections sending 8 KiB unfinished heads while it kept answering (measured).
 * Past them the worker dies and the main thread takes the listener back, rather than the worker
 * growing the process.
 */
const RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 1 };

/** The probe listener served by the watchdog's worker, or by the main thread once it fell back. */
export interface WatchdogProbeListener extends ProbeListener {
  /** The worker thread while it serves the listener; undefined once the main thread serves it. */
  readonly worker: Worker | undefined;
}

/**
 * Starts the health-probe listener in a worker thread, with the main loop's heartbeat: resolves once
 * it listens. Rejects with `KDIAG_SERVER_LISTEN` when its address cannot be bound, as the listener
 * would on the main thread. A worker that cannot start (its module cannot be loaded, no memory for a
 * thread), or that dies later, is logged, and the main thread serves the listener instead: probes
 * are still answered, only no longer while the loop is blocked.
 *
 * @param workerModule what the worker loads (a seam for tests)
 */
export async function startWatchdogProbeListener(
  settings: ProbeListenerSettings,
  watchdog: ResolvedHealthProbeWatchdogOptions,
  checks: HealthCheckRunner,
  log: Logger,
  workerModule: () => WorkerModule = probeWorkerModule,
): Promise<WatchdogProbeListener> {
  const host = new WatchdogHost(settings, watchdog, checks, log);
  await host.start(workerModule);
  return host;
}

type Startup =
  { kind: 'listening' } | { kind: 'listen-failed'; message: string } | { kind: 'failed'; err: unknown };

/** The main thread's side: the heartbeat, the worker, its channel, and the fallback listener. */
class WatchdogHost implements WatchdogProbeListener {
  readonly #settings: ProbeListenerSettings;
  readonly #watchdog: ResolvedHealthProbeWatchdogOptions;
  readonly #checks: HealthCheckRunner;
  readonly #log: Logger;
  readonly #heartbeat: Heartbeat;
  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  #exited: Promise<void> = Promise.resolve();
  #address: AddressInfo | null = null;
  /** Settles the start; undefined once started. */
  #startup: ((outcome: Startup) => void) | undefined;
  /** Called when the worker says it stopped. */
  #onStopped: (() => void) | undefined;
  #stopping = false;
  #fallback: ProbeListener | undefined;
  #fallingBack: Promise<void> | undefined;

  constructor(
    settings: ProbeListenerSettings,
    watchdog: ResolvedHealthProbeWatchdogOptions,
    checks: HealthCheckRunner,
    log: Logger,
  ) {
    this.#settings = settings;
    this.#watchdog = watchdog;
    this.#checks = checks;
    this.#log = log;
    this.#heartbeat = new Heartbeat(beatIntervalMs(watchdog.blockedAfterMs), (gapMs) => this.#beat(gapMs));
  }

  get worker(): Worker | undefined {
    return this.#worker;
  }

  address(): AddressInfo | null {
    return this.#fallback !== undefined ? this.#fallback.address() : this.#address;
  }

  async start(workerModule: () => WorkerModule): Promise<void> {
    this.#heartbeat.start();
    let startup: Startup;
    try {
      startup = await this.#spawn(workerModule());
    } catch (err) {
      startup = { kind: 'failed', err };
    }
    if (startup.kind === 'listening') {
      this.#log.V(1).info('health probes served by the watchdog thread', {
        blockedAfterMs: this.#watchdog.blockedAfterMs,
        livenessFailAfterMs: this.#watchdog.livenessFailAfterMs,
      });
      return;
    }
    await this.#releaseWorker();
    if (startup.kind === 'listen-failed')
      throw new DiagnosticsServerError(DiagnosticsServerErrorCode.LISTEN, startup.message);
    this.#log.error(
      startup.err,
      'health-probe watchdog could not start; serving health probes from the main thread',
    );
    this.#fallback = await startProbeListener(this.#settings, this.#checks, this.#log);
  }

  #spawn(module: WorkerModule): Promise<Startup> {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    port1.on('message', (message: WorkerMessage) => this.#onMessage(message));
    const data: ProbeWorkerData = {
      settings: this.#settings,
      watchdog: this.#watchdog,
      heartbeat: this.#heartbeat.buffer,
      port: port2,
    };
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { module, data },
      transferList: [port2],
      resourceLimits: RESOURCE_LIMITS,
    });
    this.#worker = worker;
    let error: unknown;
    worker.on('error', (err) => (error = err));
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        resolve();
        this.#workerExited(error ?? new Error(`health-probe watchdog thread exited with code ${code}`));
      });
    });
    return new Promise((resolve) => (this.#startup = resolve));
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'listening':
        this.#address = message.address;
        return this.#settle({ kind: 'listening' });
      case 'listen-failed':
        return this.#settle({ kind: 'listen-failed', message: message.message });
      case 'run':
        this.#checks.run(message.query, probeRequestOnMain(message.request)).then(
          (report) => this.#post({ type: 'report', id: message.id, report }),
          (err: unknown) =>
            this.#post({
              type: 'run-failed',
              id: message.id,
              message: err instanceof Error ? err.message : String(err),
            }),
        );
        return;
      case 'log':
        return replayLine(this.#log, message.line);
      case 'stopped':
        return this.#onStopped?.();
    }
  }

  #settle(startup: Startup): void {
    const settle = this.#startup;
    this.#startup = undefined;
    settle?.(startup);
  }

  #post(message: MainMessage): void {
    this.#port?.postMessage(message);
  }

  /** The main thread's beat: a gap the worker logged as "still blocked" gets its closing line here. */
  #beat(gapMs: number): void {
    const interval = this.#watchdog.logIntervalMs;
    if (interval > 0 && gapMs >= interval) {
      warn(this.#log.withName('watchdog'), BLOCKED_MESSAGE, {
        duration: formatBlockedDuration(gapMs),
        state: 'returned',
      });
    }
  }

  #workerExited(reason: unknown): void {
    if (this.#startup !== undefined) return this.#settle({ kind: 'failed', err: reason });
    if (this.#stopping || this.#worker === undefined) return;
    this.#log.error(
      reason,
      'health-probe watchdog thread failed; serving health probes from the main thread',
      {
        address: this.#address,
      },
    );
    this.#fallingBack = this.#fallBack();
  }

  /** The listener on the main thread, on the port the worker had (its socket closed with it). */
  async #fallBack(): Promise<void> {
    const address = this.#address;
    await this.#releaseWorker();
    try {
      this.#fallback = await startProbeListener(
        {
          ...this.#settings,
          healthProbeBindAddress: rebindAddress(this.#settings.healthProbeBindAddress, address),
        },
        this.#checks,
        this.#log,
      );
    } catch (err) {
      this.#log.error(err, 'health probe listener could not be restarted on the main thread');
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#worker !== undefined) {
      const stopped = new Promise<void>((resolve) => (this.#onStopped = resolve));
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs + STOP_MARGIN_MS)));
      this.#post({ type: 'stop', graceMs });
      await Promise.race([stopped, this.#exited, bound]);
      clearTimeout(timer);
    }
    await this.#releaseWorker();
    await this.#fallingBack;
    await this.#fallback?.stop(graceMs);
  }

  /** Terminates the worker (if still running), closes the channel and stops the heartbeat. */
  async #releaseWorker(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#heartbeat.stop();
    this.#port?.close();
    this.#port = undefined;
    if (worker !== undefined) await worker.terminate();
    await this.#exited;
  }
}

/** The worker's bind address with the port it had actually bound (`:0` resolved), for the fallback. */
function rebindAddress(configured: string, bound: AddressInfo | null): string {
  const parsed = parseBindAddress(configured);
  if (bound === null || typeof parsed === 'string' || parsed.port !== 0) return configured;
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return `${host}:${bound.port}`;
}
