import type { StallRecord } from '@kubediag/pprof';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  STALL_CPU_SECONDS,
  STALL_CPU_WAIT_SECONDS,
  STALL_THROTTLED_SECONDS,
} from '../src/flight-recorder-metrics.ts';
import { withDiagnostics, type Diagnostics, type DiagnosticsOptions } from '../src/index.ts';

/** Keeps the CPU busy on the event loop for `ms`: what a synchronous parse of a huge list does. */
function blockTheLoop(ms: number): number {
  const until = performance.now() + ms;
  let n = 0;
  while (performance.now() < until) n += Math.sqrt(n + 1);
  return n;
}

/** Polls `read` until it gives a value: judged on state, bounded, never on elapsed time. */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the expected state never came');
}

/** The value of `series` (a counter, a gauge, or a histogram's `_sum`/`_count`) of metric `name`. */
async function value(registry: Registry, name: string, series: string = name): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  const { values } = await metric.get();
  // Histograms name each series (`_bucket`, `_sum`, `_count`); counters and gauges do not.
  return values.find((v) => ((v as { metricName?: string }).metricName ?? name) === series)?.value;
}

const started: Diagnostics[] = [];
afterEach(async () => {
  for (const d of started.splice(0)) await d.stop();
});

async function start(
  options: DiagnosticsOptions = {},
): Promise<{ d: Diagnostics; lines: string[]; registry: Registry }> {
  const lines: string[] = [];
  const registry = new Registry();
  const d = await withDiagnostics({
    // Insecure: the recorder runs without pprof served, and this test needs no filter.
    server: { bindAddress: '127.0.0.1:0', secureServing: false },
    logging: { output: { write: (s: string) => lines.push(s) > 0 } },
    metrics: { registry, defaultMetrics: false },
    ...options,
  });
  started.push(d);
  return { d, lines, registry };
}

describe('the flight recorder under withDiagnostics', () => {
  it('turns a blocked loop into a W line naming the function, the stall metrics and the user onStall', async () => {
    const seen: StallRecord[] = [];
    const { d, lines, registry } = await start({
      profiling: { flightRecorder: { stalls: { thresholdMs: 100, onStall: (r) => seen.push(r) } } },
    });
    expect(d.config.flightRecorder).toBe(true);
    expect(await value(registry, 'kubediag_event_loop_stalls_total')).toBe(0);
    expect(await value(registry, STALL_CPU_SECONDS)).toBe(0);

    blockTheLoop(400);

    await eventually(
      async () => ((await value(registry, 'kubediag_event_loop_stalls_total')) ?? 0) >= 1 || undefined,
    );
    const warning = lines.find((l) => l.includes('"Event loop was blocked"'));
    expect(warning).toMatch(/^W\d{4} /);
    expect(warning).toMatch(/ top="blockTheLoop \([^)]*flight-recorder\.test\.ts:\d+\) \d+%/);
    // Insecure mode serves no /debug/pprof/: the line names no profile path that would answer 404.
    expect(warning).not.toContain('profile=');

    expect(seen).toHaveLength(1);
    expect(await value(registry, 'kubediag_event_loop_stalls_total')).toBe(1);
    expect(
      await value(
        registry,
        'kubediag_event_loop_stall_duration_seconds',
        'kubediag_event_loop_stall_duration_seconds_count',
      ),
    ).toBe(1);
    // The gap measured is never shorter than the block itself.
    expect(
      await value(
        registry,
        'kubediag_event_loop_stall_duration_seconds',
        'kubediag_event_loop_stall_duration_seconds_sum',
      ),
    ).toBeGreaterThanOrEqual(0.4);
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(400);
    // A stall record is kept (its profile), so the recorder holds bytes.
    expect(await value(registry, 'kubediag_flight_recorder_bytes')).toBeGreaterThan(0);
    // How the thread spent it, as the record says (the kernel tells on Linux; elsewhere they stay 0).
    const spent = seen[0]!.scheduling;
    expect(await value(registry, STALL_CPU_SECONDS)).toBeCloseTo((spent?.onCpuMs ?? 0) / 1000, 6);
    expect(await value(registry, STALL_CPU_WAIT_SECONDS)).toBeCloseTo((spent?.waitingMs ?? 0) / 1000, 6);
    expect(await value(registry, STALL_THROTTLED_SECONDS)).toBeCloseTo((spent?.throttledMs ?? 0) / 1000, 6);
    if (process.platform === 'linux') expect(await value(registry, STALL_CPU_SECONDS)).toBeGreaterThan(0);
  });

  it('without CPU samples still turns a blocked loop into a W line with its duration, and counts it', async () => {
    const seen: StallRecord[] = [];
    const { d, lines, registry } = await start({
      profiling: {
        flightRecorder: { cpuSamples: false, stalls: { thresholdMs: 100, onStall: (r) => seen.push(r) } },
      },
    });
    expect(d.config.flightRecorder).toBe(true);

    blockTheLoop(400);

    await eventually(
      async () => ((await value(registry, 'kubediag_event_loop_stalls_total')) ?? 0) >= 1 || undefined,
    );
    const warning = lines.find((l) => l.includes('"Event loop was blocked"'));
    expect(warning).toMatch(/^W\d{4} .* duration="(\d+ms|\d+\.\ds)"/);
    expect(warning).not.toContain('top=');
    expect(seen[0]).toMatchObject({ samples: 0, top: [] });
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(400);
    // Only stall records (ten at most, without profiles), no window of samples.
    const bytes = await value(registry, 'kubediag_flight_recorder_bytes');
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(10 * 1024);
  });

  it('runs one recorder per thread: a second instance goes without its own and says so', async () => {
    const first = await start();
    const second = await start();
    expect(first.d.config.flightRecorder).toBe(true);
    expect(second.d.config.flightRecorder).toBe(false);
    expect(second.lines.join('')).toContain(
      '"Flight recorder already running in this thread; this diagnostics instance runs without its own"',
    );
    expect(second.registry.getSingleMetric('kubediag_event_loop_stalls_total')).toBeUndefined();
  });

  it('stops its recorder on stop(), so that the next instance runs one', async () => {
    const first = await start();
    await first.d.stop();
    expect(await value(first.registry, 'kubediag_flight_recorder_bytes')).toBe(0);
    const next = await start();
    expect(next.d.config.flightRecorder).toBe(true);
  });

  it('registers no recorder metrics when the recorder is off', async () => {
    const { d, registry } = await start({ profiling: { flightRecorder: { enabled: false } } });
    expect(d.config.flightRecorder).toBe(false);
    expect(registry.getSingleMetric('kubediag_event_loop_stalls_total')).toBeUndefined();
    expect(registry.getSingleMetric('kubediag_flight_recorder_bytes')).toBeUndefined();
    expect(registry.getSingleMetric(STALL_CPU_SECONDS)).toBeUndefined();
  });
});
