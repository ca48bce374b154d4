/**
 * The longest event-loop stall while `/metrics` of a 10 000-series registry is served, before (the
 * registry's `metrics()` in one piece, as every release up to issue 19 rendered it) and after (the
 * sliced render), in one run, interleaved; plus the render's own cost against `registry.metrics()`.
 * The scraper runs in its own process (keep-alive HTTPS, as Prometheus; `BENCH_SCRAPER=thread` puts it
 * on a worker thread of the server's process, as runs before 2026-12-03 did); a 1 ms interval in the server
 * thread records how late each of its ticks fires and, from the kernel's schedstat, how the thread spent
 * each interval (on a CPU, waiting for one, neither), so that a long stall can be told apart: the
 * process's own work, or a machine that did not run it.
 * Run: node --conditions=@kubediag/source --import tsx bench/scrape-stall.ts
 */
import { fork } from 'node:child_process';
import { openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer, type MetricsRegistry } from '../src/index.ts';
import { renderInSlices } from '../src/exposition/render-in-slices.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);
const SCRAPER = process.env['BENCH_SCRAPER'] === 'thread' ? 'thread' : 'process';

/** `metrics` gauges × `series` label sets of `labels` short labels. */
function registryOf(metrics: number, series: number, labels: 2 | 3): Registry {
  const registry = new Registry();
  for (let m = 0; m < metrics; m++) {
    const g = new Gauge({
      name: `bench_metric_${m}`,
      help: `Bench metric ${m}.`,
      labelNames: labels === 2 ? ['pod', 'phase'] : ['a', 'b', 'c'],
      registers: [registry],
    });
    for (let i = 0; i < series; i++)
      g.set(
        labels === 2
          ? { pod: `pod-${i}`, phase: i % 2 ? 'running' : 'pending' }
          : { a: `a${i}`, b: `b${i % 7}`, c: `c${i % 3}` },
        i * 1.5,
      );
  }
  return registry;
}

/**
 * The main thread's scheduler figures from `/proc/thread-self/schedstat` (Linux), read with one pread
 * of an open file (a few µs per tick): time on a CPU, time runnable but waiting for one, and how many
 * times it was given a CPU. The wait and the count are exact when read by the running thread (the
 * kernel adds to them as it hands the thread a CPU); the time on a CPU lags by up to a scheduler tick
 * (4 ms on this machine's kernel), so an interval's figure is good to ±4 ms. Node's
 * `process.threadCpuUsage()` (Node ≥ 23.9) has the same granularity.
 */
class SchedClock {
  readonly #fd: number | undefined;
  readonly #buf = Buffer.alloc(128);
  constructor() {
    try {
      this.#fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      this.#fd = undefined; // not Linux, or schedstats off
    }
  }
  /** [ms on a CPU, ms waiting for one, times given one] since the thread started; NaNs when unknown. */
  read(): [number, number, number] {
    if (this.#fd === undefined) return [NaN, NaN, NaN];
    const n = readSync(this.#fd, this.#buf, 0, this.#buf.length, 0);
    const [run, wait, slices] = this.#buf.toString('latin1', 0, n).split(' ').map(Number);
    return [run! / 1e6, wait! / 1e6, slices!];
  }
}

/**
 * A tick's interval as the main thread spent it: how late the tick fired; how much of the interval the
 * thread was on a CPU (±4 ms: the render, GC, TLS — the process's own stall), waiting runnable for one
 * (other threads and processes had the cores), and how many times it was given a CPU back (0: it was
 * never switched out). What is neither on a CPU nor waiting, the thread slept (a lock, a page fault) or
 * its virtual CPU was stolen by the hypervisor.
 */
interface Interval {
  late: number;
  onCpu: number;
  waiting: number;
  resumed: number;
}

const NO_INTERVAL: Interval = { late: 0, onCpu: NaN, waiting: NaN, resumed: NaN };

/** Records how late each tick of a 1 ms interval fires, and how its interval was spent. */
class LoopDelay {
  readonly #clock = new SchedClock();
  /** Whether the scheduler figures are known here (else their columns print n/a). */
  readonly knowsScheduler = !Number.isNaN(this.#clock.read()[0]);
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  #lastSched: [number, number, number] = [NaN, NaN, NaN];
  #worst = NO_INTERVAL;
  #maxOnCpu = NaN;
  start(): void {
    this.#last = performance.now();
    this.#lastSched = this.#clock.read();
    this.#timer = setInterval(() => {
      const now = performance.now();
      const sched = this.#clock.read();
      const [cpu0, wait0, slices0] = this.#lastSched;
      const interval: Interval = {
        late: now - this.#last - 1,
        onCpu: sched[0] - cpu0,
        waiting: sched[1] - wait0,
        resumed: sched[2] - slices0,
      };
      if (interval.late > this.#worst.late) this.#worst = interval;
      if (Number.isNaN(this.#maxOnCpu) || interval.onCpu > this.#maxOnCpu) this.#maxOnCpu = interval.onCpu;
      this.#last = now;
      this.#lastSched = sched;
    }, 1);
  }
  /** The round's latest tick, and the most time on a CPU within one interval (NaN when unknown). */
  async stop(): Promise<{ worst: Interval; maxOnCpu: number }> {
    // Let a tick that was blocked by the end of the scrape fire and be counted.
    await new Promise((r) => setTimeout(r, 3));
    clearInterval(this.#timer);
    const result = { worst: this.#worst, maxOnCpu: this.#maxOnCpu };
    this.#worst = NO_INTERVAL;
    this.#maxOnCpu = NaN;
    return result;
  }
}

/**
 * The main thread's GC pauses, kept so that a round's longest stall can be told apart: a pause as long
 * as the stall is V8's collector, a stall with no such pause is the render or the OS scheduler.
 */
class GcPauses {
  readonly #pauses: PerformanceEntry[] = [];
  readonly #observer = new PerformanceObserver((list) => this.#pauses.push(...list.getEntries()));
  constructor() {
    this.#observer.observe({ entryTypes: ['gc'] });
  }
  /** The longest pause that began between `from` and `to` (performance.now() times), 0 if none. */
  longestBetween(from: number, to: number): number {
    let longest = 0;
    for (const p of this.#pauses)
      if (p.startTime >= from && p.startTime <= to) longest = Math.max(longest, p.duration);
    return longest;
  }
  /** The pauses recorded so far are delivered after the current turn; wait for them. */
  flushed(): Promise<void> {
    return new Promise((r) => setImmediate(r));
  }
  stop(): void {
    this.#observer.disconnect();
  }
}

/** Stalls over this count as long; the goal of issue 19. */
const LONG_STALL_MS = 10;

/** The scrape client: a forked process, or a worker thread with `BENCH_SCRAPER=thread`. */
interface Scraper {
  get(url: string, headers: Record<string, string>): Promise<{ status: number }>;
  stop(): Promise<void>;
}

function startScraper(): Scraper {
  const script = fileURLToPath(new URL('./scrape-worker.mjs', import.meta.url));
  if (SCRAPER === 'thread') {
    const w = new Worker(script);
    return {
      get: (url, headers) =>
        new Promise((resolve) => {
          w.once('message', resolve);
          w.postMessage({ url, path: '/metrics', headers });
        }),
      stop: async () => void (await w.terminate()),
    };
  }
  const child = fork(script, { execArgv: [] });
  return {
    get: (url, headers) =>
      new Promise((resolve) => {
        child.once('message', resolve as (m: unknown) => void);
        child.send({ url, path: '/metrics', headers });
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (n: number): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(n < 1 ? 3 : 1));

async function stalls(name: string, registry: Registry): Promise<string[]> {
  // "Before": the same registry seen only through metrics(), which the handler sends in one piece.
  const whole: MetricsRegistry = { contentType: registry.contentType, metrics: () => registry.metrics() };
  const servers = await Promise.all(
    [registry, whole].map(async (r) => {
      const s = createDiagnosticsServer({
        bindAddress: '127.0.0.1:0',
        logger: createDiscardLogger(),
        registry: r,
        filterProvider: null,
        pprofHandler: null,
        gzipMinBytes: 1024,
      });
      await s.start();
      return s;
    }),
  );
  const scraper = startScraper();
  const eld = new LoopDelay();
  const gc = new GcPauses();
  const rows: Record<string, number[]> = {};
  const onCpuRows: Record<string, number[]> = {};
  // Per case: rounds whose stall passed LONG_STALL_MS, and of them those whose worst interval was at
  // least half a GC pause, half run-queue wait, or half off a CPU without waiting.
  const long: Record<string, { rounds: number; gc: number; waiting: number; offCpu: number }> = {};
  // The worst tick of each long round of the sliced render, the figure under the goal.
  const details: string[] = [];
  const cases = [
    ['after: sliced render, text', 0, {}],
    ['before: metrics() in one piece, text', 1, {}],
    ['after: sliced render, gzip', 0, { 'Accept-Encoding': 'gzip' }],
    ['before: metrics() in one piece, gzip', 1, { 'Accept-Encoding': 'gzip' }],
    [
      'after: sliced render, OpenMetrics (Prometheus 3 Accept)',
      0,
      { Accept: 'application/openmetrics-text;version=1.0.0;q=0.7,*/*;q=0.6' },
    ],
  ] as const;
  for (let round = -3; round < ROUNDS; round++) {
    for (const [label, server, headers] of cases) {
      eld.start();
      const began = performance.now();
      const r = await scraper.get(servers[server]!.url!, headers);
      const { worst, maxOnCpu } = await eld.stop();
      const ended = performance.now();
      if (r.status !== 200) throw new Error(`scrape failed: ${r.status}`);
      if (round < 0) continue;
      (rows[label] ??= []).push(worst.late);
      (onCpuRows[label] ??= []).push(maxOnCpu);
      if (worst.late > LONG_STALL_MS) {
        await gc.flushed();
        const gcPause = gc.longestBetween(began, ended);
        const offCpu = worst.late + 1 - worst.onCpu - worst.waiting;
        const entry = (long[label] ??= { rounds: 0, gc: 0, waiting: 0, offCpu: 0 });
        entry.rounds++;
        if (gcPause >= worst.late / 2) entry.gc++;
        if (worst.waiting >= worst.late / 2) entry.waiting++;
        if (offCpu >= worst.late / 2) entry.offCpu++;
        if (label.startsWith('after'))
          details.push(
            `- ${label}, round ${round}: ${ms(worst.late)} ms late; its interval on a CPU ${ms(worst.onCpu)} ms (±4), waiting for one ${ms(worst.waiting)} ms, neither ${ms(offCpu)} ms, given a CPU back ${worst.resumed} times; longest GC pause in the scrape ${ms(gcPause)} ms`,
          );
      }
    }
  }
  gc.stop();
  await scraper.stop();
  await Promise.all(servers.map((s) => s.stop(1000)));
  const bytes = Buffer.byteLength(await registry.metrics());
  return [
    `### ${name}: ${(bytes / 1024).toFixed(0)} KiB text, ${ROUNDS} interleaved rounds`,
    '',
    `| longest event-loop stall during one scrape (1 ms interval, max lateness) | median of rounds ms | max ms | rounds over ${LONG_STALL_MS} ms | … half of it a GC pause | … half waiting for a CPU | … half off a CPU, not waiting | most time on a CPU in one interval (±4 ms), median / max ms | rounds over ${LONG_STALL_MS} ms on a CPU |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(rows).map(([label, xs]) => {
      const l = long[label] ?? { rounds: 0, gc: 0, waiting: 0, offCpu: 0 };
      const onCpu = onCpuRows[label] ?? [];
      // Without schedstat (not Linux) the scheduler's figures print as n/a.
      const cpuCells = eld.knowsScheduler
        ? `${ms(median(onCpu))} / ${ms(Math.max(...onCpu))} | ${onCpu.filter((c) => c > LONG_STALL_MS).length}`
        : 'n/a | n/a';
      const waiting = eld.knowsScheduler ? l.waiting : 'n/a';
      const offCpu = eld.knowsScheduler ? l.offCpu : 'n/a';
      return `| ${label} | ${ms(median(xs))} | ${ms(Math.max(...xs))} | ${l.rounds} | ${l.gc} | ${waiting} | ${offCpu} | ${cpuCells} |`;
    }),
    '',
    ...(details.length > 0
      ? [`Sliced rounds over ${LONG_STALL_MS} ms, their latest tick:`, '', ...details]
      : []),
    '',
  ];
}

/** Each round renders `repeat` times; the figures are per render. */
async function renderCost(name: string, registry: Registry, repeat = 1): Promise<string[]> {
  const sink = { write: (_c: string): void => undefined };
  const alone: number[] = [];
  const ours: number[] = [];
  const oursUncut: number[] = [];
  const timed = async (into: number[], round: number, render: () => Promise<unknown>): Promise<void> => {
    const t = performance.now();
    for (let i = 0; i < repeat; i++) await render();
    if (round >= 0) into.push((performance.now() - t) / repeat);
  };
  for (let round = -5; round < ROUNDS; round++) {
    await timed(alone, round, () => registry.metrics());
    await timed(ours, round, () => renderInSlices(registry, 'text', sink));
    await timed(oursUncut, round, () => renderInSlices(registry, 'text', sink, () => false, Infinity));
  }
  const a = median(alone);
  return [
    `| ${name}: registry.metrics() (anchor) | ${ms(a)} | 1.00x |`,
    `| ${name}: sliced render, wall time including the yields | ${ms(median(ours))} | ${(median(ours) / a).toFixed(2)}x |`,
    `| ${name}: the same writer in one piece (its CPU cost) | ${ms(median(oursUncut))} | ${(median(oursUncut) / a).toFixed(2)}x |`,
  ];
}

/** The size of a default /metrics: 40 unlabelled gauges, 10 counters × 3 series, 10 histograms. */
function smallRegistry(): Registry {
  const registry = new Registry();
  for (let m = 0; m < 40; m++)
    new Gauge({ name: `small_gauge_${m}`, help: 'h', registers: [registry] }).set(m);
  for (let m = 0; m < 10; m++) {
    const c = new Counter({
      name: `small_${m}_total`,
      help: 'h',
      labelNames: ['controller', 'result'],
      registers: [registry],
    });
    for (const result of ['success', 'error', 'requeue']) c.inc({ controller: 'x', result }, 3);
    const h = new Histogram({
      name: `small_${m}_seconds`,
      help: 'h',
      labelNames: ['controller'],
      registers: [registry],
    });
    h.observe({ controller: 'x' }, 0.2);
  }
  return registry;
}

const big = registryOf(10, 1000, 2);
const short = registryOf(1, 10_000, 3);
const out = [
  `Node ${process.version}, ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${new Date().toISOString()}, scraper in its own ${SCRAPER}`,
  '',
  ...(await stalls('10 gauges × 1 000 series, two labels (the bench registry of bench/run.ts)', big)),
  ...(await stalls('one gauge × 10 000 series, three short labels', short)),
  '| render alone, text format | median ms per render | ratio |',
  '| --- | ---: | ---: |',
  ...(await renderCost('10 × 1 000, two labels', big)),
  ...(await renderCost('1 × 10 000, three labels', short)),
  ...(await renderCost(
    '70 metrics, 390 lines (a default /metrics), per render of 300',
    smallRegistry(),
    300,
  )),
  '',
];
console.log(out.join('\n'));
