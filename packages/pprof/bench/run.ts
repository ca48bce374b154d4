// Benchmarks for @kubediag/pprof. Run: pnpm --filter @kubediag/pprof bench
//
// Overhead is measured in-process as A/B windows (unprofiled, profiled, profiled, unprofiled, ...) after a
// JIT warm-up: separate processes give bimodal JIT outcomes that swamp a 2 % effect. The workload runs in
// setImmediate chunks so the profiler's start/stop (which need the event loop) happen on time.
import { Session } from 'node:inspector/promises';
import { cpus } from 'node:os';
import { setImmediate as tick } from 'node:timers/promises';
import type { ProfilerBackend } from '@kubediag/pprof';
import type { Profile } from 'pprof-format';
import { DatadogBackend } from '../src/datadog-backend.ts';
import { encodeProfile } from '../src/encode.ts';
import { InspectorBackend } from '../src/inspector-backend.ts';
import { cpuProfileToPprof } from '../src/internal/cpu-profile-to-pprof.ts';
import type { V8CpuProfile } from '../src/internal/v8-types.ts';

const WINDOW_MS = Number(process.env['BENCH_WINDOW_MS'] ?? 250);
const PAIRS = Number(process.env['BENCH_PAIRS'] ?? 16);
const LONG_PROFILE_S = Number(process.env['BENCH_LONG_S'] ?? 30);

// CPU-bound: a mix of math, string building and object churn, like reconcile loops' JSON handling.
function cpuUnit(): number {
  let acc = 0;
  for (let i = 0; i < 2000; i++) acc += Math.sqrt(i) * Math.sin(i);
  const o = { name: `obj-${acc.toFixed(2)}`, items: [1, 2, 3].map((x) => x * acc) };
  return JSON.stringify(o).length + acc;
}

// Allocation-bound: short-lived objects plus a ring of retained ones (what the heap sampler has to track).
const ring: unknown[] = new Array(4096);
let ringPos = 0;
function allocUnit(): number {
  let n = 0;
  for (let i = 0; i < 200; i++) {
    const o = { id: i, labels: { a: `x${i}`, b: 'y' }, data: new Array(16).fill(i) };
    n += o.data.length;
    if (i % 8 === 0) ring[ringPos++ % ring.length] = o;
  }
  return n;
}

let sink = 0;
/**
 * Units of work per CPU-second of the whole process over `ms` of wall time, in 5 ms chunks separated by
 * setImmediate. Dividing by process CPU time (not wall time) removes the scheduler share this benchmark gets
 * on a machine shared with other jobs, and it charges the profiler's own sampling thread to the profiled arm
 * (conservative: on an idle multi-core machine that thread would run beside the workload).
 */
async function throughput(unit: () => number, ms: number): Promise<number> {
  let units = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const chunkEnd = Math.min(end, performance.now() + 5);
    while (performance.now() < chunkEnd) {
      sink += unit();
      units++;
    }
    await tick();
  }
  const cpu = process.cpuUsage(cpu0);
  return (units * 1e6) / Math.max(1, cpu.user + cpu.system);
}

interface AB {
  readonly base: number;
  readonly treated: number;
  /** Median of the per-pair ratios (robust to a noisy window). */
  readonly ratio: number;
}

/** Alternates A B B A ... and returns mean throughput of each arm. */
async function abWindows(unit: () => number, treated: () => Promise<() => Promise<void>>): Promise<AB> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    for (const arm of order) {
      if (arm === 'a') a.push(await throughput(unit, WINDOW_MS));
      else {
        const stop = await treated();
        b.push(await throughput(unit, WINDOW_MS));
        await stop();
      }
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  };
  return { base: median(a), treated: median(b), ratio: median(a.map((x, i) => b[i]! / x)) };
}

function cpuTreatment(backend: ProfilerBackend, intervalMicros: number) {
  return async () => {
    const controller = new AbortController();
    const running = backend
      .collectCpuProfile({
        durationMs: 3_600_000,
        samplingIntervalMicros: intervalMicros,
        sourceMaps: false,
        signal: controller.signal,
      })
      .catch(() => undefined);
    await tick();
    return async () => {
      controller.abort();
      await running;
    };
  };
}

function heapTreatment(backend: ProfilerBackend) {
  return async () => {
    await backend.startHeapSampling({ intervalBytes: 512 * 1024, stackDepth: 64 });
    return async () => {
      await backend.stopHeapSampling();
    };
  };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const row = (cells: (string | number)[]): void => {
    rows.push(`| ${cells.join(' | ')} |`);
  };
  const inspector = new InspectorBackend();
  let dd: ProfilerBackend | undefined;
  try {
    dd = await DatadogBackend.create();
  } catch {
    dd = undefined;
  }

  process.stderr.write('warming up the JIT (5 s)...\n');
  await throughput(cpuUnit, 3000);
  await throughput(allocUnit, 2000);

  const overhead: [string, () => number, () => Promise<() => Promise<void>>][] = [
    ['CPU profile, inspector, 10 ms (default)', cpuUnit, cpuTreatment(inspector, 10_000)],
    ['CPU profile, inspector, 1 ms', cpuUnit, cpuTreatment(inspector, 1_000)],
  ];
  if (dd) overhead.push(['CPU profile, @datadog/pprof, 10 ms', cpuUnit, cpuTreatment(dd, 10_000)]);
  overhead.push(['heap sampling, inspector, 512 KiB', allocUnit, heapTreatment(inspector)]);
  if (dd) overhead.push(['heap sampling, @datadog/pprof, 512 KiB', allocUnit, heapTreatment(dd)]);

  rows.push(
    '| workload while profiling | unprofiled ops/CPU-s | profiled ops/CPU-s | ratio (median of pairs) |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const [name, unit, treatment] of overhead) {
    process.stderr.write(`${name}...\n`);
    const r = await abWindows(unit, treatment);
    row([name, r.base.toFixed(0), r.treated.toFixed(0), `${r.ratio.toFixed(3)}x`]);
  }

  // Encode cost: raw V8 profile -> pprof -> gzip, for a short profile of each backend and one long one.
  rows.push(
    '',
    '| profile | duration | V8 ticks | pprof samples | convert + encode | size (.pb.gz) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  const session = new Session();
  session.connect();
  const inspectorEncode = async (seconds: number): Promise<void> => {
    process.stderr.write(`inspector CPU profile ${seconds} s...\n`);
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 10_000 });
    await session.post('Profiler.start');
    const startedAtMs = Date.now();
    await throughput(cpuUnit, seconds * 1000);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: V8CpuProfile };
    await session.post('Profiler.disable');
    const t0 = performance.now();
    const converted = cpuProfileToPprof(profile, {
      samplingIntervalMicros: 10_000,
      startedAtMs,
      sourceMaps: true,
    });
    const body = await encodeProfile(converted);
    const ms = performance.now() - t0;
    row([
      'inspector CPU, 10 ms',
      `${seconds} s`,
      profile.samples?.length ?? 0,
      converted.sample.length,
      `${ms.toFixed(1)} ms`,
      `${body.length} B`,
    ]);
  };
  await inspectorEncode(5);
  if (dd) {
    process.stderr.write('datadog CPU profile 5 s...\n');
    const mod = (await import('@datadog/pprof')) as unknown as {
      time: { start(o: object): void; stop(restart?: boolean): Profile };
    };
    mod.time.start({ intervalMicros: 10_000, lineNumbers: true });
    await throughput(cpuUnit, 5000);
    const t0 = performance.now();
    const p = mod.time.stop(false);
    const body = await encodeProfile(p);
    const ms = performance.now() - t0;
    row([
      '@datadog/pprof wall, 10 ms',
      '5 s',
      '-',
      p.sample.length,
      `${ms.toFixed(1)} ms`,
      `${body.length} B`,
    ]);
  }
  if (LONG_PROFILE_S > 0) await inspectorEncode(LONG_PROFILE_S);
  session.disconnect();
  await inspector.close();
  await dd?.close();

  const header = [
    `Date: ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), shared with other jobs.`,
    `A/B: ${PAIRS} pairs of ${WINDOW_MS} ms windows, alternating order, after a 5 s JIT warm-up; throughput = work units per CPU-second of the process; ratio = median over pairs of profiled / unprofiled.`,
    '',
  ];
  process.stdout.write(`${[...header, ...rows].join('\n')}\n`);
  if (sink === 42) process.stdout.write('\n'); // keep the work observable
}

await main();
