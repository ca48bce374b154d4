// Every request of the process, seen through Node's diagnostics channels, handed to the recorders
// whose apiservers it goes to. One place sees both clients of @kubernetes/client-node: 1.x sends
// through node:http(s) (node-fetch, https.request; `http.client.*` channels), 2.x through undici
// (its own copy or Node's fetch; `undici:request:*` channels, which every undici publishes by name).
// Watches, informers, the authn filter's reviews and any other client of the same apiserver are
// included, as client-go's metrics include every client of a Go process.
//
// A request is counted when its answer's headers arrive (client-go counts when `client.Do` returns),
// or as `<error>` when it fails before any answer. Channels are subscribed only while a recorder is
// attached: with none, the hooks cost nothing.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { requestOrigin } from './apiserver-hosts.ts';
import type { RequestRecorder } from './request-recorder.ts';
import { apiserverRequest, type ApiserverRequest } from './request-info.ts';

/** One recorder's view of one request in flight. */
interface Pending {
  readonly recorder: RequestRecorder;
  readonly host: string;
  readonly method: string;
  readonly request: ApiserverRequest;
  readonly startedAt: number;
  settled: boolean;
}

/** What undici publishes of a request (structural: every undici major has these fields). */
interface UndiciRequest {
  readonly origin?: unknown;
  readonly method?: unknown;
  readonly path?: unknown;
}

const recorders = new Set<RequestRecorder>();
const pending = new WeakMap<object, Pending[]>();

// Origins as written by clients (`https://h:443`, `https://H`) to the form apiservers are matched in.
const ORIGIN_CACHE_SIZE = 256;
const origins = new Map<string, string | undefined>();

function originOf(raw: string): string | undefined {
  if (origins.has(raw)) return origins.get(raw);
  if (origins.size >= ORIGIN_CACHE_SIZE) origins.clear();
  const origin = requestOrigin(raw);
  origins.set(raw, origin);
  return origin;
}

function begin(key: object, rawOrigin: string, method: string, path: string): Pending[] | undefined {
  const origin = originOf(rawOrigin);
  if (origin === undefined) return undefined;
  let list: Pending[] | undefined;
  for (const recorder of recorders) {
    const host = recorder.hostOf(origin);
    if (host === undefined) continue;
    list ??= [];
    list.push({
      recorder,
      host,
      method,
      request: apiserverRequest(method, path),
      startedAt: performance.now(),
      settled: false,
    });
  }
  if (list !== undefined) pending.set(key, list);
  return list;
}

function settle(key: object, code: string): void {
  for (const p of pending.get(key) ?? []) {
    if (p.settled) continue;
    p.settled = true;
    p.recorder.record(p.host, p.method, p.request, code);
  }
}

// Watches are left out of the duration, as client-go leaves them (it observes `request()` only).
function finish(key: object): void {
  const list = pending.get(key);
  if (list === undefined) return;
  pending.delete(key);
  const now = performance.now();
  for (const p of list)
    if (p.request.verb !== 'WATCH') p.recorder.observe(p.host, p.method, (now - p.startedAt) / 1000);
}

function onHttpStart(message: unknown): void {
  const request = (message as { request: ClientRequest }).request;
  const host = request.getHeader('host');
  const authority = typeof host === 'string' ? host : request.host;
  const list = begin(request, `${request.protocol}//${authority}`, request.method, request.path);
  // The end of a request (its response read, or its failure) matters only for the duration.
  if (list?.some((p) => p.recorder.timed)) request.once('close', () => finish(request));
}

function onHttpResponse(message: unknown): void {
  const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
  settle(request, String(response.statusCode));
}

function onHttpError(message: unknown): void {
  settle((message as { request: ClientRequest }).request, '<error>');
}

function onUndiciCreate(message: unknown): void {
  const request = (message as { request: UndiciRequest }).request;
  const { origin, method, path } = request;
  if (typeof method !== 'string' || typeof path !== 'string') return;
  // A string, or a URL in some undici versions: both print as the origin.
  if (typeof origin === 'string' || origin instanceof URL) begin(request, origin.toString(), method, path);
}

function onUndiciHeaders(message: unknown): void {
  const { request, response } = message as { request: object; response: { statusCode: number } };
  settle(request, String(response.statusCode));
}

function onUndiciTrailers(message: unknown): void {
  finish((message as { request: object }).request);
}

function onUndiciError(message: unknown): void {
  const { request } = message as { request: object };
  settle(request, '<error>');
  finish(request);
}

const CHANNELS: readonly (readonly [string, (message: unknown) => void])[] = [
  ['http.client.request.start', onHttpStart],
  ['http.client.response.finish', onHttpResponse],
  ['http.client.request.error', onHttpError],
  ['undici:request:create', onUndiciCreate],
  ['undici:request:headers', onUndiciHeaders],
  ['undici:request:trailers', onUndiciTrailers],
  ['undici:request:error', onUndiciError],
];

/** Starts handing requests to `recorder` (subscribing to the channels with the first one). Idempotent. */
export function attachRecorder(recorder: RequestRecorder): void {
  if (recorders.size === 0) for (const [name, fn] of CHANNELS) subscribe(name, fn);
  recorders.add(recorder);
}

/** Stops handing requests to `recorder` (unsubscribing with the last one). */
export function detachRecorder(recorder: RequestRecorder): void {
  if (!recorders.delete(recorder) || recorders.size > 0) return;
  for (const [name, fn] of CHANNELS) unsubscribe(name, fn);
}
