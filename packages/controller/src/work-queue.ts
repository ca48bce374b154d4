import type { Registry } from 'prom-client';
import { counter, exponentialBuckets, gauge, histogram } from './internal/metric-registry.ts';
import { applyWorkQueueOptions, type WorkQueueOptions } from './options.ts';

/**
 * A work queue with client-go's semantics, instrumented under controller-runtime's `workqueue_*`
 * metric names: an item added while it waits is merged; an item added while it is processed is queued
 * again when `done()` is called, so one key is never reconciled twice at once.
 */
export interface WorkQueue {
  /** Queues `key` unless it is already waiting. */
  add(key: string): void;
  /** Queues `key` after `delayMs`. */
  addAfter(key: string, delayMs: number): void;
  /** Queues `key` after the per-key exponential backoff (5 ms doubling up to 1000 s, as client-go) and counts a retry. */
  addRateLimited(key: string): void;
  /** Resets the backoff of `key` (call after a successful reconcile). */
  forget(key: string): void;
  /** Resolves with the next key, or `undefined` once the queue is shut down and drained. */
  get(): Promise<string | undefined>;
  /** Marks `key` processed; must follow every `get()`. */
  done(key: string): void;
  readonly length: number;
  /** Stops accepting keys; pending `get()` calls resolve with `undefined` once the queue is empty. */
  shutDown(): void;
}

const LATENCY_BUCKETS = exponentialBuckets(10e-9, 10, 12);

type InFlight = () => { unfinished: number; longest: number };
const inFlightCollectors = new WeakMap<Registry, Map<string, InFlight>>();

/** A work queue with client-go's semantics; metrics on `registry` when one is given. */
export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const { name, registry, backoff } = applyWorkQueueOptions(options);
  const metrics = registry ? queueMetrics(registry, name) : undefined;
  const { baseMs, maxMs } = backoff;
  const queue: string[] = [];
  const dirty = new Set<string>();
  const processing = new Map<string, number>(); // key -> processing start (ms)
  const addedAt = new Map<string, number>();
  const failures = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters: Array<(key: string | undefined) => void> = [];
  let shuttingDown = false;

  metrics?.onCollect(() => {
    const now = performance.now();
    let unfinished = 0;
    let longest = 0;
    for (const start of processing.values()) {
      const seconds = (now - start) / 1000;
      unfinished += seconds;
      longest = Math.max(longest, seconds);
    }
    return { unfinished, longest };
  });

  function deliver(): void {
    while (waiters.length > 0 && queue.length > 0) {
      const key = queue.shift()!;
      const now = performance.now();
      metrics?.depth.dec();
      const added = addedAt.get(key);
      if (added !== undefined) metrics?.latency.observe((now - added) / 1000);
      addedAt.delete(key);
      processing.set(key, now);
      dirty.delete(key);
      waiters.shift()!(key);
    }
    if (shuttingDown && queue.length === 0) for (const w of waiters.splice(0)) w(undefined);
  }

  function add(key: string): void {
    if (shuttingDown || dirty.has(key)) return;
    metrics?.adds.inc();
    dirty.add(key);
    if (processing.has(key)) return; // re-queued by done()
    metrics?.depth.inc();
    addedAt.set(key, performance.now());
    queue.push(key);
    deliver();
  }

  function addAfter(key: string, delayMs: number): void {
    if (shuttingDown) return;
    if (delayMs <= 0) return add(key);
    const timer = setTimeout(() => {
      timers.delete(timer);
      add(key);
    }, delayMs);
    timer.unref();
    timers.add(timer);
  }

  return {
    add,
    addAfter,
    addRateLimited(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      metrics?.retries.inc();
      addAfter(key, Math.min(baseMs * 2 ** n, maxMs));
    },
    forget(key) {
      failures.delete(key);
    },
    get() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        deliver();
      });
    },
    done(key) {
      const start = processing.get(key);
      if (start === undefined) return;
      processing.delete(key);
      metrics?.workDuration.observe((performance.now() - start) / 1000);
      if (dirty.has(key)) {
        metrics?.depth.inc();
        addedAt.set(key, performance.now());
        queue.push(key);
        deliver();
      }
    },
    get length() {
      return queue.length;
    },
    shutDown() {
      shuttingDown = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      deliver();
    },
  };
}

function queueMetrics(registry: Registry, name: string) {
  const labels = { name, controller: name };
  const depth = gauge(registry, 'workqueue_depth', 'Current depth of workqueue by workqueue and priority', [
    'name',
    'controller',
    'priority',
  ]);
  const adds = counter(registry, 'workqueue_adds_total', 'Total number of adds handled by workqueue', [
    'name',
    'controller',
  ]);
  const latency = histogram(
    registry,
    'workqueue_queue_duration_seconds',
    'How long in seconds an item stays in workqueue before being requested',
    ['name', 'controller'],
    LATENCY_BUCKETS,
  );
  const workDuration = histogram(
    registry,
    'workqueue_work_duration_seconds',
    'How long in seconds processing an item from workqueue takes.',
    ['name', 'controller'],
    LATENCY_BUCKETS,
  );
  const retries = counter(
    registry,
    'workqueue_retries_total',
    'Total number of retries handled by workqueue',
    ['name', 'controller'],
  );
  // Computed at scrape time rather than on a 500 ms ticker as in client-go: same values, no timer.
  // The gauges are registered once per registry, so every queue on it reports through one map.
  let collectors = inFlightCollectors.get(registry);
  if (!collectors) inFlightCollectors.set(registry, (collectors = new Map<string, InFlight>()));
  const queues = collectors;
  const unfinished = gauge(
    registry,
    'workqueue_unfinished_work_seconds',
    "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
    ['name', 'controller'],
    function collect() {
      for (const [n, c] of queues) this.set({ name: n, controller: n }, c().unfinished);
    },
  );
  const longest = gauge(
    registry,
    'workqueue_longest_running_processor_seconds',
    'How many seconds has the longest running processor for workqueue been running.',
    ['name', 'controller'],
    function collect() {
      for (const [n, c] of queues) this.set({ name: n, controller: n }, c().longest);
    },
  );
  depth.set({ ...labels, priority: '' }, 0);
  adds.inc(labels, 0);
  retries.inc(labels, 0);
  unfinished.set(labels, 0);
  longest.set(labels, 0);
  return {
    depth: {
      inc: () => depth.inc({ ...labels, priority: '' }),
      dec: () => depth.dec({ ...labels, priority: '' }),
    },
    adds: { inc: () => adds.inc(labels) },
    retries: { inc: () => retries.inc(labels) },
    latency: { observe: (s: number) => latency.observe(labels, s) },
    workDuration: { observe: (s: number) => workDuration.observe(labels, s) },
    onCollect(fn: () => { unfinished: number; longest: number }) {
      queues.set(name, fn);
    },
  };
}
