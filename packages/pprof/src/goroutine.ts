import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** A JavaScript thread and its stack (innermost frame first), as text lines `at fn (file:line:col)`. */
export interface ThreadStack {
  readonly name: string;
  readonly threadId: number;
  readonly stack: readonly string[];
}

/** One libuv handle from `process.report` (type, state and the details libuv gives: endpoints, fds, timers). */
export type LibuvHandle = Readonly<Record<string, unknown>> & { readonly type: string };

/**
 * What `/debug/pprof/goroutine` shows. Node has no goroutines: its concurrency is one JavaScript thread per
 * isolate (main thread, worker threads) plus asynchronous operations parked in libuv. A stuck operator is
 * either busy on a thread (see the stacks and event-loop utilisation) or waiting on an operation that never
 * completes (see the handles, sockets and requests).
 */
export interface GoroutineSnapshot {
  readonly takenAt: Date;
  readonly pid: number;
  readonly nodeVersion: string;
  readonly uptimeSeconds: number;
  /** Event-loop utilisation (0..1) since the process started, and over the window since the previous snapshot. */
  readonly eventLoop: {
    readonly sinceStart: number;
    readonly window?: { readonly utilization: number; readonly ms: number };
  };
  readonly main: ThreadStack;
  readonly workers: readonly ThreadStack[];
  /** Why worker stacks are missing, when they are. */
  readonly workersNote?: string;
  /** `process.getActiveResourcesInfo()` grouped: resource type → count (timers, sockets, fs requests...). */
  readonly activeResources: ReadonlyMap<string, number>;
  /** Libuv handles from the diagnostic report (empty when the report is off). */
  readonly libuvHandles: readonly LibuvHandle[];
  /** Sockets, servers and child processes described from their JavaScript objects. */
  readonly jsHandles: readonly string[];
  readonly memory: NodeJS.MemoryUsage & { readonly heapSizeLimit: number };
  readonly cpu: { readonly userMicros: number; readonly systemMicros: number };
}

const MAX_HANDLES = 2000; // bound the dump of a process leaking sockets

/** Takes a snapshot; `previous` (the last snapshot's ELU reading) gives the windowed utilisation. */
export function takeGoroutineSnapshot(options: {
  readonly includeWorkers: boolean;
  readonly previousElu?: EventLoopUtilization | undefined;
  readonly previousAt?: number | undefined;
}): { snapshot: GoroutineSnapshot; elu: EventLoopUtilization; at: number } {
  const elu = performance.eventLoopUtilization();
  const at = performance.now();
  const window =
    options.previousElu && options.previousAt !== undefined
      ? {
          utilization: performance.eventLoopUtilization(elu, options.previousElu).utilization,
          ms: at - options.previousAt,
        }
      : undefined;

  const main: ThreadStack = { name: 'main', threadId: 0, stack: currentStack() };
  let workers: ThreadStack[] = [];
  let libuvHandles: LibuvHandle[] = [];
  let workersNote: string | undefined;
  if (options.includeWorkers) {
    const report = safeReport();
    if (typeof report === 'string') {
      workersNote = report;
    } else {
      libuvHandles = (report.libuv ?? []).slice(0, MAX_HANDLES);
      workers = (report.workers ?? []).map((w, i) => ({
        name: `worker ${i + 1}`,
        threadId: w.header?.threadId ?? -1,
        stack: (w.javascriptStack?.stack ?? []).map((l) => l.trim()),
      }));
    }
  } else {
    workersNote = 'worker stacks and libuv handles are off (goroutine.includeWorkers: false)';
  }

  const activeResources = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo())
    activeResources.set(type, (activeResources.get(type) ?? 0) + 1);

  const usage = process.resourceUsage();
  const snapshot: GoroutineSnapshot = {
    takenAt: new Date(),
    pid: process.pid,
    nodeVersion: process.version,
    uptimeSeconds: process.uptime(),
    eventLoop: window ? { sinceStart: elu.utilization, window } : { sinceStart: elu.utilization },
    main,
    workers,
    ...(workersNote !== undefined && { workersNote }),
    activeResources,
    libuvHandles,
    jsHandles: describeJsHandles(),
    memory: { ...process.memoryUsage(), heapSizeLimit: getHeapStatistics().heap_size_limit },
    cpu: { userMicros: usage.userCPUTime, systemMicros: usage.systemCPUTime },
  };
  return { snapshot, elu, at };
}

function currentStack(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  // Drop the "Error" line and this helper's own frames.
  return stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => !l.includes('currentStack') && !l.includes('takeGoroutineSnapshot'));
}

interface ReportShape {
  libuv?: LibuvHandle[];
  workers?: { header?: { threadId?: number }; javascriptStack?: { stack?: string[] } }[];
}

function safeReport(): ReportShape | string {
  const report = process.report;
  if (!report || typeof report.getReport !== 'function')
    return 'process.report is not available in this runtime';
  // excludeNetwork skips reverse DNS lookups of socket endpoints, which can block on a broken resolver.
  const r = report as typeof report & { excludeNetwork?: boolean };
  const previous = r.excludeNetwork;
  try {
    if (previous !== undefined) r.excludeNetwork = true;
    // Only libuv and workers are read; the environment and command line in the report are never used.
    return report.getReport();
  } catch (err) {
    return `process.report.getReport() failed: ${(err as Error).message}`;
  } finally {
    if (previous !== undefined) r.excludeNetwork = previous;
  }
}

interface SocketLike {
  constructor: { name: string };
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  bytesRead?: number;
  bytesWritten?: number;
  connecting?: boolean;
  destroyed?: boolean;
  pending?: boolean;
  readyState?: string;
  timeout?: number;
  encrypted?: boolean;
  servername?: string | false;
  address?: () => unknown;
  listening?: boolean;
  pid?: number;
  spawnfile?: string;
  fd?: number;
}

// process._getActiveHandles() is undocumented (DEP0161 is documentation-only) but present from Node 0.x to 24;
// it is the only way to name what a socket is connected to. Any failure just yields an empty list.
function describeJsHandles(): string[] {
  const getter = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof getter !== 'function') return [];
  let handles: unknown[];
  try {
    handles = getter.call(process);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const h of handles.slice(0, MAX_HANDLES)) {
    try {
      out.push(describeHandle(h as SocketLike));
    } catch {
      out.push('(unreadable handle)');
    }
  }
  return out;
}

function describeHandle(h: SocketLike): string {
  const kind = h.constructor?.name ?? 'Object';
  if (kind === 'Server' || typeof h.listening === 'boolean') {
    const address = typeof h.address === 'function' ? h.address() : undefined;
    return `${kind} listening=${String(h.listening)} address=${JSON.stringify(address)}`;
  }
  if (h.pid !== undefined && h.spawnfile !== undefined) return `${kind} pid=${h.pid} file=${h.spawnfile}`;
  if (h.fd !== undefined && h.remoteAddress === undefined && h.localAddress === undefined) {
    return `${kind} fd=${h.fd}`;
  }
  const parts = [kind];
  if (h.encrypted) parts.push(`tls${typeof h.servername === 'string' ? ` servername=${h.servername}` : ''}`);
  if (h.localAddress !== undefined) parts.push(`local=${h.localAddress}:${String(h.localPort)}`);
  if (h.remoteAddress !== undefined) parts.push(`remote=${h.remoteAddress}:${String(h.remotePort)}`);
  if (h.readyState !== undefined) parts.push(`state=${h.readyState}`);
  if (h.connecting) parts.push('connecting');
  if (h.pending) parts.push('pending');
  if (h.destroyed) parts.push('destroyed');
  if (h.bytesRead !== undefined) parts.push(`bytesRead=${h.bytesRead}`);
  if (h.bytesWritten !== undefined) parts.push(`bytesWritten=${h.bytesWritten}`);
  if (h.timeout !== undefined && h.timeout > 0) parts.push(`idleTimeoutMs=${h.timeout}`);
  return parts.join(' ');
}
