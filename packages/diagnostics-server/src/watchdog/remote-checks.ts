import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import type { HealthCheckRunner, ProbeQuery, ProbeReport } from '../health-checks.ts';
import type { HeartbeatReader } from './heartbeat.ts';
import { blockedReport } from './blocked-report.ts';
import type { MainMessage, ProbeRequest, WorkerMessage } from './protocol.ts';

interface Pending {
  readonly resolve: (report: ProbeReport) => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The worker's {@link HealthCheckRunner}: asks the main thread to run the checks, and answers by itself
 * ({@link blockedReport}) when the main loop is blocked: at once when the heartbeat is already stale,
 * or, for a probe that arrived while it was fresh, as soon as it becomes stale without an answer. A
 * main thread that beats is never cut short: its checks keep their own deadline (`healthCheckTimeoutMs`).
 */
export class RemoteCheckRunner implements HealthCheckRunner {
  readonly #port: MessagePort;
  readonly #heartbeat: HeartbeatReader;
  readonly #livenessFailAfterMs: number;
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  constructor(port: MessagePort, heartbeat: HeartbeatReader, livenessFailAfterMs: number) {
    this.#port = port;
    this.#heartbeat = heartbeat;
    this.#livenessFailAfterMs = livenessFailAfterMs;
  }

  run(query: ProbeQuery, req: IncomingMessage): Promise<ProbeReport> {
    const blocked = this.#heartbeat.blockedForMs();
    if (blocked !== undefined)
      return Promise.resolve(blockedReport(query, blocked, this.#livenessFailAfterMs));
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      const pending: Pending = { resolve, reject, timer: undefined };
      const watch = (): void => {
        const ms = this.#heartbeat.blockedForMs();
        if (ms === undefined) {
          pending.timer = setTimeout(watch, this.#heartbeat.msUntilBlocked());
          return;
        }
        this.#pending.delete(id);
        resolve(blockedReport(query, ms, this.#livenessFailAfterMs));
      };
      this.#pending.set(id, pending);
      const request: ProbeRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
      };
      this.#port.postMessage({ type: 'run', id, query, request } satisfies WorkerMessage);
      pending.timer = setTimeout(watch, this.#heartbeat.msUntilBlocked());
    });
  }

  /** The main thread's answer to a run; one that comes after the worker answered by itself is dropped. */
  settle(message: Extract<MainMessage, { type: 'report' | 'run-failed' }>): void {
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.type === 'report') pending.resolve(message.report);
    else pending.reject(new Error(message.message));
  }

  /** Fails the runs still waiting (the listener has stopped): no timer is left behind. */
  close(): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('health-probe watchdog stopped'));
    }
    this.#pending.clear();
  }
}

/**
 * The request handed to the checks on the main thread: a real IncomingMessage with the probe's method,
 * URL and headers, on a socket that was never connected (the probe's connection is in the worker).
 */
export function probeRequestOnMain(r: ProbeRequest): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = r.method;
  req.url = r.url;
  req.headers = r.headers;
  return req;
}
