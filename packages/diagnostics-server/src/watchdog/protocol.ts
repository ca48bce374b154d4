import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import type { ProbeQuery, ProbeReport } from '../health-checks.ts';
import type { ProbeListenerSettings } from '../probe-listener.ts';
import type { LogMessage } from './relay-logger.ts';
import type { ResolvedHealthProbeWatchdogOptions } from './options.ts';

// What the main thread and the watchdog's worker say to each other over their MessagePort: plain
// data only (structured clone).

/** What the worker is started with. */
export interface ProbeWorkerData {
  readonly settings: ProbeListenerSettings;
  readonly watchdog: ResolvedHealthProbeWatchdogOptions;
  /** The main loop's heartbeat (heartbeat.ts). */
  readonly heartbeat: SharedArrayBuffer;
  /** The worker's end of the channel (transferred). */
  readonly port: MessagePort;
}

/** The request a probe's checks are handed on the main thread (the socket stays in the worker). */
export interface ProbeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** Worker → main. */
export type WorkerMessage =
  | { readonly type: 'listening'; readonly address: AddressInfo | null }
  | { readonly type: 'listen-failed'; readonly message: string }
  | { readonly type: 'run'; readonly id: number; readonly query: ProbeQuery; readonly request: ProbeRequest }
  | LogMessage
  | { readonly type: 'stopped' };

/** Main → worker. */
export type MainMessage =
  | { readonly type: 'report'; readonly id: number; readonly report: ProbeReport }
  | { readonly type: 'run-failed'; readonly id: number; readonly message: string }
  | { readonly type: 'stop'; readonly graceMs: number };
