import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { ProfilerBackend } from './backend.ts';
import { shouldMapSources } from './collect.ts';
import { encodeProfile } from './encode.ts';
import { CpuProfileInUseError, ProfileAbortedError, PprofError } from './errors.ts';
import { takeGoroutineSnapshot } from './goroutine.ts';
import { goroutineSnapshotToPprof } from './goroutine-pprof.ts';
import { renderGoroutineDebug1, renderGoroutineDebug2 } from './goroutine-text.ts';
import { renderHeapText } from './heap-text.ts';
import { PROFILE_DESCRIPTIONS, renderIndexPage } from './index-page.ts';
import { abortableSleep } from './internal/abortable-sleep.ts';
import { acquireCpuProfileLock } from './internal/cpu-lock.ts';
import { subtractProfiles } from './internal/delta.ts';
import { serveBinary, serveError, serveText } from './internal/http-error.ts';
import { applyPprofOptions, type PprofOptions, type ResolvedPprofOptions } from './options.ts';
import { atoi, cpuProfileSeconds, deltaSeconds, secondsTooLong } from './params.ts';
import { selectBackend } from './select-backend.ts';

/** A node:http request listener serving `/debug/pprof/*`, plus `close()` for shutdown. */
export interface PprofHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /**
   * Resolves once the backend is loaded and (with `heap.startOnCreate`) the heap sampler runs, so
   * allocations made afterwards are in every heap profile. Rejects with the backend's error.
   */
  ready(): Promise<void>;
  /** Aborts this handler's running profiles and stops heap sampling when no other open handler uses it. */
  close(): Promise<void>;
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
 * prefix; it dispatches on the rest of the path. Throws `InvalidPprofOptionsError` for bad options.
 */
export function createPprofHandler(options: PprofOptions = {}): PprofHandler {
  const o = applyPprofOptions(options);
  const backend = selectBackend(o.backend);
  // Errors surface on the first request that needs the backend; this only keeps them from being unhandled.
  backend.catch(() => undefined);
  const inFlight = new Set<AbortController>();
  let closed = false;
  let heapRegistered: ProfilerBackend | undefined;
  let ready: Promise<void> = backend.then(() => undefined);
  if (o.heap.startOnCreate) {
    ready = backend.then(async (b) => {
      if (closed) return;
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

  const ctx: Context = { o, backend, inFlight, goroutineState };
  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    route(ctx, req, res).catch((err: unknown) => {
      o.logger?.error(err, 'pprof: request failed', { path: req.url });
      serveError(res, 500, `profile failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }) as PprofHandler;
  handler.ready = () => ready;
  handler.close = async () => {
    closed = true;
    for (const c of inFlight) c.abort(new ProfileAbortedError('pprof handler closed'));
    if (heapRegistered) {
      const left = (heapUsers.get(heapRegistered) ?? 1) - 1;
      heapUsers.set(heapRegistered, left);
      if (left <= 0) await heapRegistered.stopHeapSampling().catch(() => undefined);
      heapRegistered = undefined;
    }
  };
  return handler;
}

interface Context {
  readonly o: ResolvedPprofOptions;
  readonly backend: Promise<ProfilerBackend>;
  readonly inFlight: Set<AbortController>;
  readonly goroutineState: { elu?: EventLoopUtilization; at?: number };
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
  switch (name) {
    case '':
      return serveIndex(res);
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

function serveIndex(res: ServerResponse): void {
  const resources = process.getActiveResourcesInfo().length;
  const counts: Record<string, number> = {
    goroutine: 1 + resources,
    heap: lastHeapSampleCount,
    allocs: lastHeapSampleCount,
  };
  serveText(
    res,
    renderIndexPage(
      Object.entries(PROFILE_DESCRIPTIONS).map(([name, description]) => ({
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
    if (!res.writableFinished) controller.abort(new ProfileAbortedError('client disconnected'));
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
    if (err instanceof CpuProfileInUseError) {
      serveError(res, 500, `Could not enable CPU profiling: ${err.message}`);
      return;
    }
    throw err;
  }
  const controller = abortOnClose(ctx, res);
  const started = Date.now();
  try {
    const backend = await ctx.backend;
    const profile = await backend.collectCpuProfile({
      durationMs: Number(seconds) * 1000,
      samplingIntervalMicros: ctx.o.cpu.samplingIntervalMicros,
      sourceMaps: shouldMapSources(ctx.o.sourceMaps),
      signal: controller.signal,
    });
    const body = await encodeProfile(profile);
    serveBinary(res, 'profile', body);
    ctx.o.logger?.V(4).info('pprof: served cpu profile', {
      seconds: Number(seconds),
      bytes: body.length,
      backend: backend.name,
      elapsedMs: Date.now() - started,
      remote: req.socket.remoteAddress,
    });
  } catch (err) {
    if (err instanceof ProfileAbortedError) {
      ctx.o.logger?.V(4).info('pprof: cpu profile aborted', { reason: err.message });
      if (!res.writableEnded) serveError(res, 500, err.message);
      return;
    }
    const message = err instanceof PprofError ? err.message : String(err);
    ctx.o.logger?.error(err, 'pprof: cpu profile failed');
    serveError(res, 500, `Could not enable CPU profiling: ${message}`);
  } finally {
    release();
  }
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
