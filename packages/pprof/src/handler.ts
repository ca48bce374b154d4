import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Profile } from 'pprof-format';
import type { ProfilerBackend } from './backend.ts';
import { shouldMapSources } from './collect.ts';
import { encodeProfile } from './encode.ts';
import { abortedError, isPprofError, PprofErrorCode } from './errors.ts';
import { FlightRecorder, type FlightRecorderStatus } from './flight-recorder/flight-recorder.ts';
import { serveFlightRecording, serveStall, serveStalls } from './flight-recorder/serve.ts';
import { takeGoroutineSnapshot } from './goroutine.ts';
import { goroutineSnapshotToPprof } from './goroutine-pprof.ts';
import { renderGoroutineDebug1, renderGoroutineDebug2 } from './goroutine-text.ts';
import { renderHeapText } from './heap-text.ts';
import {
  PROFILE_DESCRIPTIONS,
  RECORDER_DESCRIPTIONS,
  renderIndexPage,
  UNSAMPLED_STALLS_DESCRIPTION,
} from './index-page.ts';
import { abortableSleep } from './internal/abortable-sleep.ts';
import { acquireCpuProfileLock } from './internal/cpu-lock.ts';
import { subtractProfiles } from './internal/delta.ts';
import { serveBinary, serveError, serveText } from './internal/http-error.ts';
import { applyPprofOptions, type PprofOptions, type ResolvedPprofOptions } from './options.ts';
import { atoi, cpuProfileSeconds, deltaSeconds, secondsTooLong } from './params.ts';
import { leaseBackend } from './select-backend.ts';

/** A node:http request listener serving `/debug/pprof/*`, plus `close()` for shutdown. */
export interface PprofHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /**
   * Resolves once the backend is loaded and (with `heap.startOnCreate`) the heap sampler runs, so
   * allocations made afterwards are in every heap profile. Rejects with the backend's error.
   */
  ready(): Promise<void>;
  /**
   * Releases everything the handler started: aborts its running profiles and waits for their answers,
   * stops the heap sampler when no other open handler uses it, and closes the shared backend (the
   * inspector session) when this was the last handler using it. Requests arriving afterwards get 503.
   * Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /**
   * The flight recorder's state (bytes held, stall records) when `flightRecorder.enabled`; undefined
   * when it is off or could not start (no inspector in this Node build: the error is logged).
   */
  readonly flightRecorder: FlightRecorderStatus | undefined;
}

// Heap profiles force a full GC with the inspector backend; run one at a time and refuse a pile-up.
const MAX_QUEUED_HEAP_REQUESTS = 8;
let heapChain: Promise<unknown> = Promise.resolve();
let heapQueued = 0;
let lastHeapSampleCount = 0;
const heapUsers = new Map<ProfilerBackend, number>();

/**
 * Creates the `/debug/pprof/` handler: index, `profile` (CPU), `heap`, `allocs`, `goroutine`, `cmdline`,
 * with Go's net/http/pprof parameters, status codes and error texts. Mount it for every path under the
 * prefix; it dispatches on the rest of the path. Throws a PprofError (`KDIAG_PPROF_INVALID_OPTIONS`)
 * listing every invalid option.
 */
export function createPprofHandler(options?: PprofOptions): PprofHandler {
  const o = applyPprofOptions(options);
  // The recorder first: its one-per-thread lock is the only thing creation can refuse, and nothing
  // (backend lease, heap sampler) may be started before a refusal.
  const recorder = o.flightRecorder.enabled
    ? new FlightRecorder(o.flightRecorder, {
        logger: o.logger,
        prefix: o.prefix,
        sourceMaps: shouldMapSources(o.sourceMaps),
      })
    : undefined;
  const lease = leaseBackend(o.backend, 'handler');
  const backend = lease.backend;
  // Errors surface on the first request that needs the backend; this only keeps them from being unhandled.
  backend.catch(() => undefined);
  const inFlight = new Set<AbortController>();
  const running = new Set<Promise<void>>();
  let closed: Promise<void> | undefined;
  let heapRegistered: ProfilerBackend | undefined;
  let ready: Promise<void> = backend.then(() => undefined);
  if (o.heap.startOnCreate) {
    ready = backend.then(async (b) => {
      if (closed !== undefined) return;
      heapRegistered = b;
      heapUsers.set(b, (heapUsers.get(b) ?? 0) + 1);
      await b.startHeapSampling({
        intervalBytes: o.heap.samplingIntervalBytes,
        stackDepth: o.heap.stackDepth,
      });
    });
    ready.catch((err: unknown) => o.logger?.error(err, 'pprof: cannot start heap sampling'));
  }
  const goroutineState: { elu?: EventLoopUtilization; at?: number } = {};

  const ctx: Context = { o, backend, inFlight, goroutineState, recorder: undefined };
  if (recorder !== undefined) {
    ctx.recorder = recorder;
    const started = recorder.start().catch((err: unknown) => {
      // Without a recorder the handler serves CPU profiles from its backend, as when it is off.
      recorder.close();
      ctx.recorder = undefined;
      o.logger?.error(err, 'pprof: cannot start the flight recorder');
    });
    ready = Promise.all([ready, started]).then(() => undefined);
  }
  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    if (closed !== undefined) {
      serveError(res, 503, 'pprof handler closed');
      return;
    }
    const done = route(ctx, req, res).catch((err: unknown) => {
      o.logger?.error(err, 'pprof: request failed', { path: req.url });
      serveError(res, 500, `profile failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    running.add(done);
    void done.finally(() => running.delete(done));
  }) as PprofHandler;
  handler.ready = () => ready;
  Object.defineProperty(handler, 'flightRecorder', { get: () => ctx.recorder, enumerable: true });
  const close = async (): Promise<void> => {
    for (const c of inFlight) c.abort(abortedError(undefined, 'pprof handler closed'));
    await Promise.allSettled([...running]);
    await ready.catch(() => undefined);
    ctx.recorder?.close();
    ctx.recorder = undefined;
    if (heapRegistered) {
      const left = (heapUsers.get(heapRegistered) ?? 1) - 1;
      heapUsers.set(heapRegistered, left);
      if (left <= 0) {
        heapUsers.delete(heapRegistered);
        await heapRegistered.stopHeapSampling().catch(() => undefined);
      }
      heapRegistered = undefined;
    }
    await lease.release();
  };
  handler.close = () => (closed ??= close());
  return handler;
}

interface Context {
  readonly o: ResolvedPprofOptions;
  readonly backend: Promise<ProfilerBackend>;
  readonly inFlight: Set<AbortController>;
  readonly goroutineState: { elu?: EventLoopUtilization; at?: number };
  /** Set while the flight recorder runs: CPU profiles are then cut from its stream. */
  recorder: FlightRecorder | undefined;
}

async function route(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://pprof.invalid');
  const prefix = ctx.o.prefix;
  if (url.pathname === prefix.slice(0, -1)) {
    // What Go's ServeMux does for a subtree pattern requested without its trailing slash.
    res.statusCode = 301;
    res.setHeader('Location', `${prefix}${url.search}`);
    res.end();
    return;
  }
  if (!url.pathname.startsWith(prefix)) {
    serveError(res, 404, 'Unknown profile');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    // Go 1.22 registers these routes as "GET /debug/pprof/...": other methods get the mux's 405.
    res.setHeader('Allow', 'GET, HEAD');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.statusCode = 405;
    res.end('Method Not Allowed\n');
    return;
  }
  const name = url.pathname.slice(prefix.length);
  const q = url.searchParams;
  const recorder = ctx.recorder;
  // With the recorder off these names fall through to Go's 404, as before the recorder existed;
  // flightrecording too while the recorder keeps no samples.
  if (recorder !== undefined) {
    if (name === 'flightrecording' && recorder.sampling)
      return serveFlightRecording(recorder, ctx.o.flightRecorder.windowMs, res, q);
    if (name === 'stalls') return serveStalls(recorder, prefix, res, q);
    if (name.startsWith('stalls/')) return serveStall(recorder, name.slice('stalls/'.length), res);
  }
  switch (name) {
    case '':
      return serveIndex(res, recorder);
    case 'profile':
      return serveCpu(ctx, req, res, q);
    case 'heap':
    case 'allocs':
      return serveHeap(ctx, req, res, q, name);
    case 'goroutine':
      return serveGoroutine(ctx, res, q);
    case 'cmdline':
      return serveText(res, process.argv.join('\0'));
    default:
      return serveError(res, 404, 'Unknown profile');
  }
}

function serveIndex(res: ServerResponse, recorder: FlightRecorder | undefined): void {
  const resources = process.getActiveResourcesInfo().length;
  const counts: Record<string, number> = {
    goroutine: 1 + resources,
    heap: lastHeapSampleCount,
    allocs: lastHeapSampleCount,
    flightrecording: recorder?.chunks ?? 0,
    stalls: recorder?.stalls.length ?? 0,
  };
  const descriptions =
    recorder === undefined
      ? PROFILE_DESCRIPTIONS
      : recorder.sampling
        ? { ...PROFILE_DESCRIPTIONS, ...RECORDER_DESCRIPTIONS }
        : { ...PROFILE_DESCRIPTIONS, stalls: UNSAMPLED_STALLS_DESCRIPTION };
  serveText(
    res,
    renderIndexPage(
      Object.entries(descriptions).map(([name, description]) => ({
        name,
        description,
        count: counts[name] ?? 0,
      })),
    ),
    'text/html; charset=utf-8',
  );
}

/** Aborts when the client goes away before the response is complete. */
function abortOnClose(ctx: Context, res: ServerResponse): AbortController {
  const controller = new AbortController();
  ctx.inFlight.add(controller);
  res.once('close', () => {
    ctx.inFlight.delete(controller);
    if (!res.writableFinished) controller.abort(abortedError(undefined, 'client disconnected'));
  });
  return controller;
}

async function serveCpu(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  const seconds = cpuProfileSeconds(q.get('seconds'));
  if (seconds > BigInt(ctx.o.cpu.maxSeconds)) {
    serveError(res, 400, secondsTooLong(ctx.o.cpu.maxSeconds));
    return;
  }
  let release: () => void;
  try {
    release = acquireCpuProfileLock();
  } catch (err) {
    if (isPprofError(err, PprofErrorCode.CPU_PROFILE_IN_USE)) {
      serveError(res, 500, `Could not enable CPU profiling: ${err.message}`);
      return;
    }
    throw err;
  }
  const controller = abortOnClose(ctx, res);
  const started = Date.now();
  try {
    const { profile, source } = await collectCpu(ctx, Number(seconds) * 1000, controller.signal);
    const body = await encodeProfile(profile);
    serveBinary(res, 'profile', body);
    ctx.o.logger?.V(4).info('pprof: served cpu profile', {
      seconds: Number(seconds),
      bytes: body.length,
      backend: source,
      elapsedMs: Date.now() - started,
      remote: req.socket.remoteAddress,
    });
  } catch (err) {
    if (isPprofError(err, PprofErrorCode.ABORTED)) {
      ctx.o.logger?.V(4).info('pprof: cpu profile aborted', { reason: err.message });
      if (!res.writableEnded) serveError(res, 500, err.message);
      return;
    }
    const message = isPprofError(err) ? err.message : String(err);
    ctx.o.logger?.error(err, 'pprof: cpu profile failed');
    serveError(res, 500, `Could not enable CPU profiling: ${message}`);
  } finally {
    release();
  }
}

/**
 * One CPU profile of `durationMs`: cut from the flight recorder's stream while it samples (its sampling
 * interval, no second profiler started), else taken by the backend.
 */
async function collectCpu(
  ctx: Context,
  durationMs: number,
  signal: AbortSignal,
): Promise<{ profile: Profile; source: string }> {
  const recorder = ctx.recorder;
  if (recorder?.sampling === true) {
    const tap = recorder.tap();
    try {
      await abortableSleep(durationMs, signal);
    } catch (err) {
      tap.cancel();
      throw err;
    }
    return { profile: tap.finish().profile, source: 'flight-recorder' };
  }
  const backend = await ctx.backend;
  const profile = await backend.collectCpuProfile({
    durationMs,
    samplingIntervalMicros: ctx.o.cpu.samplingIntervalMicros,
    sourceMaps: shouldMapSources(ctx.o.sourceMaps),
    signal,
  });
  return { profile, source: backend.name };
}

async function serveHeap(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  name: 'heap' | 'allocs',
): Promise<void> {
  const debug = atoi(q.get('debug'));
  const delta = deltaSeconds(q.get('seconds'), true, debug);
  if (delta.kind === 'error') {
    serveError(res, 400, delta.message);
    return;
  }
  if (delta.kind === 'delta' && delta.seconds > BigInt(ctx.o.cpu.maxSeconds)) {
    serveError(res, 400, secondsTooLong(ctx.o.cpu.maxSeconds));
    return;
  }
  if (heapQueued >= MAX_QUEUED_HEAP_REQUESTS) {
    serveError(res, 503, 'too many concurrent heap profile requests');
    return;
  }
  // Go runs a GC only for heap with gc>0 (allocs ignores it).
  const gc = name === 'heap' && atoi(q.get('gc')) > 0;
  const backend = await ctx.backend;
  const sourceMaps = shouldMapSources(ctx.o.sourceMaps);
  const collect = async (): Promise<ReturnType<ProfilerBackend['collectHeapProfile']>> => {
    heapQueued++;
    const next = heapChain.then(async () => {
      await backend.startHeapSampling({
        intervalBytes: ctx.o.heap.samplingIntervalBytes,
        stackDepth: ctx.o.heap.stackDepth,
      });
      return backend.collectHeapProfile({ gc, sourceMaps });
    });
    heapChain = next.catch(() => undefined);
    try {
      const p = await next;
      lastHeapSampleCount = p.sample.length;
      return p;
    } finally {
      heapQueued--;
    }
  };

  if (delta.kind === 'delta') {
    const controller = abortOnClose(ctx, res);
    const before = await collect();
    const t0 = process.hrtime.bigint();
    try {
      await abortableSleep(Number(delta.seconds) * 1000, controller.signal);
    } catch (err) {
      serveError(res, 500, (err as Error).message);
      return;
    }
    const after = await collect();
    const profile = subtractProfiles(after, before, process.hrtime.bigint() - t0);
    serveBinary(res, `${name}-delta`, await encodeProfile(profile));
    return;
  }
  const profile = await collect();
  if (debug !== 0) {
    serveText(res, renderHeapText(profile));
  } else {
    serveBinary(res, name, await encodeProfile(profile));
  }
  ctx.o.logger
    ?.V(4)
    .info('pprof: served heap profile', { name, debug, gc, remote: req.socket.remoteAddress });
}

async function serveGoroutine(ctx: Context, res: ServerResponse, q: URLSearchParams): Promise<void> {
  const debug = atoi(q.get('debug'));
  // Go supports goroutine deltas; a difference of two thread snapshots means nothing here, so refuse it
  // with Go's text for profiles without delta support.
  const delta = deltaSeconds(q.get('seconds'), false, debug);
  if (delta.kind === 'error') {
    serveError(res, 400, delta.message);
    return;
  }
  const state = ctx.goroutineState;
  const { snapshot, elu, at } = takeGoroutineSnapshot({
    includeWorkers: ctx.o.goroutine.includeWorkers,
    previousElu: state.elu,
    previousAt: state.at,
  });
  state.elu = elu;
  state.at = at;
  if (debug === 0) {
    serveBinary(res, 'goroutine', await encodeProfile(goroutineSnapshotToPprof(snapshot)));
  } else if (debug === 1) {
    serveText(res, renderGoroutineDebug1(snapshot));
  } else {
    serveText(res, renderGoroutineDebug2(snapshot));
  }
}
