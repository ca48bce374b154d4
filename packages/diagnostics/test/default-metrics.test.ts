// Our default metrics against prom-client's collectDefaultMetrics in the same process: the same
// metric set, types, help texts, label names and line shapes in both exposition formats, so
// dashboards built on prom-client's defaults keep working; and each source read once per scrape.
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  Registry,
  collectDefaultMetrics,
  openMetricsContentType,
  type OpenMetricsContentType,
  type PrometheusContentType,
} from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDiagnostics } from '../src/index.ts';
import { registerDefaultMetrics, type DefaultMetricsConfig } from '../src/metrics/default-metrics.ts';
import { eventLoopDelayMetrics } from '../src/metrics/event-loop-delay-metrics.ts';
import { metricNaming } from '../src/metrics/metric-naming.ts';
import { openFileDescriptors, readProcStatus } from '../src/metrics/proc-files.ts';

type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;
const opened: { close(): void }[] = [];
afterEach(() => {
  for (const d of opened.splice(0)) d.close();
});

/** A registry with prom-client's defaults and one with ours, both with `config`, in one format. */
function pair(config: DefaultMetricsConfig, openMetrics = false): [AnyRegistry, AnyRegistry] {
  const make = (): AnyRegistry => {
    if (!openMetrics) return new Registry();
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(openMetricsContentType);
    return registry;
  };
  const theirs = make();
  const ours = make();
  collectDefaultMetrics({
    ...config,
    gcDurationBuckets: config.gcDurationBuckets as number[],
    register: theirs,
  });
  opened.push(registerDefaultMetrics(ours, config));
  return [theirs, ours];
}

/** Makes a few GCs happen, so that both GC histograms have a `minor` series. */
async function churn(): Promise<void> {
  let keep: unknown[] = [];
  for (let i = 0; i < 200_000; i++) keep.push({ i, s: `x${i}` });
  keep = [];
  await new Promise((r) => setTimeout(r, 50));
  return keep.length === 0 ? undefined : undefined;
}

/**
 * The distinct shapes of a text: HELP and TYPE lines as they are; sample lines as
 * `name{label names, sorted}` with the value (and label values) left out. Series that come and go
 * with the process's state (handle types, GC kinds, heap spaces) are compared by their label names.
 */
function shapes(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      out.add(line);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( # .*)?$/.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    const names = [...(m![3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)].map((x) => x[1]);
    expect(Number.isNaN(Number(m![4])) && m![4] !== 'Nan', `value of ${line}`).toBe(false);
    out.add(`${m![1]}{${names.sort().join(',')}}`);
  }
  return [...out].sort();
}

describe('unit: default metrics, side by side with prom-client', () => {
  it.each([
    ['without options', {}],
    [
      'with prefix, labels, GC buckets (unsorted, as given) and a precision',
      {
        prefix: 'op_',
        labels: { app: 'demo', shard: 3 },
        gcDurationBuckets: [0.5, 0.05],
        eventLoopMonitoringPrecision: 20,
      },
    ],
  ] as const)('the same metrics, help texts, types and line shapes: %s', async (_name, config) => {
    for (const openMetrics of [false, true]) {
      const [theirs, ours] = pair(config, openMetrics);
      await churn();
      // Two scrapes: the second is the steady state (gauges set from a collect, lag reported).
      await theirs.metrics();
      await ours.metrics();
      const [a, b] = [await theirs.metrics(), await ours.metrics()];
      expect(shapes(b)).toEqual(shapes(a));
      // The metric order of /metrics is prom-client's too.
      const families = (t: string) => [...t.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
      expect(families(b)).toEqual(families(a));
    }
  });

  it('the same getMetricsAsJSON shape (names, types, help, aggregators, label names)', async () => {
    const [theirs, ours] = pair({ labels: { app: 'demo' } });
    await churn();
    const view = async (r: AnyRegistry) =>
      (await r.getMetricsAsJSON()).map((m) => ({
        name: m.name,
        type: m.type,
        help: m.help,
        aggregator: m.aggregator,
        labelNames: [...new Set(m.values.flatMap((v) => Object.keys(v.labels)))].sort(),
      }));
    expect(await view(ours)).toEqual(await view(theirs));
  });

  it('refuses what prom-client refuses: a second registration, a bad prefix, a bad label name', () => {
    const registry = new Registry();
    opened.push(registerDefaultMetrics(registry));
    expect(() => registerDefaultMetrics(registry)).toThrow(
      'A metric with the name process_cpu_user_seconds_total has already been registered.',
    );
    expect(() => registerDefaultMetrics(new Registry(), { prefix: 'bad-' })).toThrow('Invalid metric name');
    expect(() => registerDefaultMetrics(new Registry(), { labels: { 'bad-label': 'x' } })).toThrow(
      'Invalid label name',
    );
  });
});

describe("unit: withDiagnostics registers these in place of prom-client's", () => {
  const quiet = {
    logging: { output: { write: () => true } },
    server: { bindAddress: '0' },
    profiling: false as const,
  };

  it('with metrics.defaultMetrics as their options', async () => {
    const config = { prefix: 'op_', labels: { pod: 'p' } };
    const registry = new Registry();
    const diag = await withDiagnostics({ ...quiet, metrics: { registry, defaultMetrics: config } });
    await diag.stop();
    const [theirs] = pair(config);
    const names = async (r: AnyRegistry) =>
      (await r.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('op_'));
    expect(await names(registry)).toEqual(await names(theirs));
    expect(await registry.getSingleMetricAsString('op_process_cpu_seconds_total')).toMatch(
      /^op_process_cpu_seconds_total\{pod="p"\} /m,
    );
  });

  it('leaves alone a registry that already has them', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const before = registry.getSingleMetric('process_cpu_seconds_total');
    const diag = await withDiagnostics({ ...quiet, metrics: { registry } });
    await diag.stop();
    expect(registry.getSingleMetric('process_cpu_seconds_total')).toBe(before);
  });
});

/** The value of the one sample of `name` in `text`. */
function valueOf(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (m === null) throw new Error(`no ${name}`);
  return Number(m[1]);
}

describe('unit: default metrics read the figures prom-client reads', () => {
  it('process figures: /proc/self/status, the open descriptors, CPU time, heap', async () => {
    const registry = new Registry();
    opened.push(registerDefaultMetrics(registry));
    const text = await registry.metrics();
    // prom-client's own parse of the file: the `VmData:` line's kB.
    const vmData = () =>
      Number(/^VmData:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
    expect(valueOf(text, 'process_virtual_memory_bytes')).toBeGreaterThan(0);
    expect(valueOf(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // VmData moves while Node's other threads allocate (seen on Node 24 in CI): judge a read that two
    // equal reads of the file bracket, and within its neighbours when none is bracketed.
    const fields = { vmSize: 0, vmRss: 0, vmData: 0 };
    let bracket: [number, number] = [0, 0];
    for (let i = 0; i < 20; i++) {
      const before = vmData();
      expect(readProcStatus(fields)).toBe(true);
      const after = vmData();
      bracket = [Math.min(before, after), Math.max(before, after)];
      if (before === after) break;
    }
    expect(fields.vmData).toBeGreaterThanOrEqual(bracket[0]);
    expect(fields.vmData).toBeLessThanOrEqual(bracket[1]);
    expect(fields.vmData % 1024).toBe(0);
    // The count prom-client makes: the listing, less the descriptor the listing held.
    expect(openFileDescriptors()).toBe(readdirSync('/proc/self/fd').length - 1);
    const cpu = process.cpuUsage();
    expect(valueOf(text, 'process_cpu_seconds_total')).toBeLessThanOrEqual((cpu.user + cpu.system) / 1e6);
    expect(valueOf(text, 'process_cpu_seconds_total')).toBeCloseTo(
      valueOf(text, 'process_cpu_user_seconds_total') + valueOf(text, 'process_cpu_system_seconds_total'),
      9,
    );
    expect(text).toContain(`nodejs_version_info{version="${process.version}",major="`);
  });

  it('resetMetrics() starts the CPU counters at zero again', async () => {
    const registry = new Registry();
    opened.push(registerDefaultMetrics(registry));
    const before = valueOf(await registry.metrics(), 'process_cpu_seconds_total');
    registry.resetMetrics();
    expect(valueOf(await registry.metrics(), 'process_cpu_seconds_total')).toBeLessThan(before);
  });
});

describe('unit: the event-loop delay histogram is read at most once per second', () => {
  it('scrapes within a second share one read; the next second reads again', async () => {
    // The getters Node walks its histogram for, counted on the sampler's prototype chain.
    let proto: object | null = Object.getPrototypeOf(monitorEventLoopDelay());
    while (proto !== null && Object.getOwnPropertyDescriptor(proto, 'stddev') === undefined)
      proto = Object.getPrototypeOf(proto);
    const stddev = vi.spyOn(proto as { stddev: number }, 'stddev', 'get');
    let clock = 0;
    const delay = eventLoopDelayMetrics(metricNaming('', {}), 10, () => clock);
    opened.push(delay);
    const [lag, , , , stddevGauge] = delay.metrics;
    const scrape = async () => {
      await lag!.get();
      return (await stddevGauge!.get()).values[0]!.value;
    };
    await new Promise((r) => setTimeout(r, 60));
    const first = await scrape();
    clock = 999;
    expect(await scrape()).toBe(first);
    expect(stddev).toHaveBeenCalledTimes(1);
    clock = 1000;
    await scrape();
    expect(stddev).toHaveBeenCalledTimes(2);
    stddev.mockRestore();
  });
});
