/**
 * The cost of the default metrics per scrape, collector by collector, against prom-client 15's
 * `collectDefaultMetrics` in the same process, interleaved: each group of metrics read as a registry
 * reads it (every `get()` in registry order), then the whole default registry rendered. The event-loop
 * delay group is measured twice: at a scrape rate above one per second (ours reads Node's histogram
 * at most once a second) and with a read forced at every scrape (a scrape every 15 s pays that).
 * Run: node --conditions=@kubediag/source --import tsx bench/default-metrics.ts
 */
import { cpus, loadavg } from 'node:os';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerDefaultMetrics } from '../src/metrics/default-metrics.ts';
import { eventLoopDelayMetrics } from '../src/metrics/event-loop-delay-metrics.ts';
import { metricNaming } from '../src/metrics/metric-naming.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 15);
const READS = Number(process.env['BENCH_READS'] ?? 200);

interface Readable {
  get(): unknown;
  getForPromString?(): unknown;
}

const GROUPS: [string, RegExp][] = [
  ['process CPU (3 counters)', /^process_cpu_/],
  ['start time', /^process_start_time_seconds$/],
  ['memory (/proc/self/status, 3 gauges)', /^process_(resident_memory|virtual_memory|heap)_bytes$/],
  ['file descriptors (open, max)', /^process_(open|max)_fds$/],
  ['event-loop delay (8 gauges)', /^nodejs_eventloop_lag_/],
  ['active resources, handles, requests (6 gauges)', /^nodejs_active_/],
  ['heap size (3 gauges)', /^nodejs_(heap_size_|external_memory)/],
  ['heap spaces (3 gauges × spaces)', /^nodejs_heap_space_/],
  ['version', /^nodejs_version_info$/],
  ['GC histogram', /^nodejs_gc_duration_seconds$/],
];

const theirs = new Registry();
collectDefaultMetrics({ register: theirs });
const ours = new Registry();
registerDefaultMetrics(ours);

function members(registry: Registry, pattern: RegExp): Readable[] {
  return registry.getMetricsAsArray().filter((m) => pattern.test(m.name)) as unknown as Readable[];
}

/** Microseconds per group read (every get() of the group, awaited together as the registry does). */
async function perRead(metrics: Readable[]): Promise<number> {
  // The delay group's lag gauge leaves one setImmediate per read; let them run first, or they would
  // be counted by the next group's listing of active resources.
  await new Promise((r) => setImmediate(r));
  const t = performance.now();
  // What the registry calls when it writes /metrics.
  const read = (m: Readable) => (m.getForPromString ? m.getForPromString() : m.get());
  for (let i = 0; i < READS; i++) await Promise.all(metrics.map(read));
  return ((performance.now() - t) * 1000) / READS;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const us = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

// Both delay samplers get samples to walk: a second of ticks first.
await new Promise((r) => setTimeout(r, 1500));
const rows: string[] = [];
let sumTheirs = 0;
let sumOurs = 0;
for (const [label, pattern] of GROUPS) {
  const a = members(theirs, pattern);
  const b = members(ours, pattern);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = -2; r < ROUNDS; r++) {
    // Alternating which runs first: the second of a pair finds warmer caches.
    let x: number;
    let y: number;
    if (r % 2 === 0) {
      x = await perRead(a);
      y = await perRead(b);
    } else {
      y = await perRead(b);
      x = await perRead(a);
    }
    if (r >= 0) {
      ta.push(x);
      tb.push(y);
    }
  }
  sumTheirs += median(ta);
  sumOurs += median(tb);
  rows.push(
    `| ${label} | ${us(median(ta))} | ${us(median(tb))} | ${(median(tb) / median(ta)).toFixed(3)}x |`,
  );
}

// The delay group with a read at every scrape: a fresh clock per read.
{
  let clock = 0;
  const forced = eventLoopDelayMetrics(metricNaming('', {}), 10, () => (clock += 1000));
  const a = members(theirs, /^nodejs_eventloop_lag_/);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = -2; r < ROUNDS; r++) {
    // One tick of the samplers between reads: both walk a histogram with samples in it.
    await new Promise((res) => setTimeout(res, 12));
    const x = await perRead(a);
    await new Promise((res) => setTimeout(res, 12));
    const y = await perRead(forced.metrics);
    if (r >= 0) {
      ta.push(x);
      tb.push(y);
    }
  }
  forced.close();
  rows.push(
    `| event-loop delay, ours read at every scrape (a scrape every ≥ 1 s) | ${us(median(ta))} | ${us(median(tb))} | ${(median(tb) / median(ta)).toFixed(3)}x |`,
  );
}

const whole: [number[], number[]] = [[], []];
for (let r = -2; r < ROUNDS; r++) {
  for (const [i, registry] of [theirs, ours].entries()) {
    const t = performance.now();
    for (let k = 0; k < READS / 4; k++) await registry.metrics();
    if (r >= 0) whole[i]!.push(((performance.now() - t) * 1000) / (READS / 4));
  }
}

console.log(
  [
    `Node ${process.version}, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}; ${ROUNDS} interleaved rounds of ${READS} reads`,
    '',
    '| collector (its metrics read as a scrape reads them) | prom-client µs | kubediag µs | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    `| sum of the groups | ${us(sumTheirs)} | ${us(sumOurs)} | ${(sumOurs / sumTheirs).toFixed(3)}x |`,
    `| whole default registry, registry.metrics() (collect + prom-client's render) | ${us(median(whole[0]))} | ${us(median(whole[1]))} | ${(median(whole[1]) / median(whole[0])).toFixed(3)}x |`,
    '',
  ].join('\n'),
);
process.exit(0);
