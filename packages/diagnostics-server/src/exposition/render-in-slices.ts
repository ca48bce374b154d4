import { ExpositionWriter, type ExpositionFormat } from './exposition-format.ts';
import {
  plainMetricGetters,
  readMetric,
  sampleAt,
  type MetricSeries,
  type RegistryMetric,
} from './metric-series.ts';

/**
 * A prom-client 15 Registry that can be read metric by metric. Its metrics are typed loosely, as
 * prom-client's own declarations type them (without `get`).
 */
export interface SliceableRegistry {
  readonly contentType: string;
  getMetricsAsArray(): readonly object[];
}

/** True for a registry that hands out its metrics (prom-client's `Registry`), not only its text. */
export function isSliceable(registry: object): registry is SliceableRegistry {
  return typeof (registry as Partial<SliceableRegistry>).getMetricsAsArray === 'function';
}

/** Where the rendered text goes, slice by slice. */
export interface RenderSink {
  write(chunk: string): void;
}

/**
 * How long one slice may hold the event loop before the render yields. A yield costs a few
 * microseconds; at 2 ms the loop's longest stall during a 500 KiB scrape was 3.7 ms in the median
 * round, at 1 ms 1.3 ms (bench/scrape-stall.ts).
 */
export const SLICE_MS = 1;
// The clock is read once per this many samples: often enough for the budget, cheap next to a sample.
const SAMPLES_PER_CLOCK_READ = 64;

/** Thrown when `aborted()` turns true mid-render (the scraper went away): the rest is not computed. */
export class RenderAborted extends Error {
  override readonly name = 'RenderAborted';
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Writes every metric of `registry` in `format` to `sink`, byte for byte what prom-client's
 * `registry.metrics()` returns for that format, but in slices of about {@link SLICE_MS}: between
 * slices the event loop runs (other requests, reconciles, timers), so a large registry no longer
 * stalls the process for the whole render.
 *
 * Each metric is read as prom-client reads it ({@link readMetric}: its `getForPromString()` or
 * `get()`, every collection started in registry order before any is written, so asynchronous collects
 * overlap and a collect that sets its siblings' values runs first), and the first failure rejects,
 * as it makes `registry.metrics()` reject. One metric's own collection cannot be cut: a large
 * histogram or summary holds the loop for as long as prom-client takes to list it (a plain counter or
 * gauge only for the listing of its keys).
 */
export async function renderInSlices(
  registry: SliceableRegistry,
  format: ExpositionFormat,
  sink: RenderSink,
  aborted: () => boolean = () => false,
  sliceMs: number = SLICE_MS,
): Promise<void> {
  // prom-client keeps the default labels in a field without a getter; its own render reads it too.
  const defaultLabels = (registry as { _defaultLabels?: Record<string, unknown> })._defaultLabels;
  const writer = new ExpositionWriter(format, defaultLabels);
  const metrics = registry.getMetricsAsArray() as readonly RegistryMetric[];
  const plainGetters = await plainMetricGetters();
  let sliceStart = performance.now();
  const nextSlice = async (): Promise<void> => {
    const text = writer.take();
    if (text !== '') sink.write(text);
    await yieldToLoop();
    if (aborted()) throw new RenderAborted('the scrape was abandoned');
    sliceStart = performance.now();
  };

  const collected: (MetricSeries | Promise<MetricSeries>)[] = [];
  for (const metric of metrics) {
    const reading = readMetric(metric, plainGetters);
    // Awaited in order below; a failure is handled there, not reported as unhandled in the meantime.
    if (reading instanceof Promise) reading.catch(() => undefined);
    collected.push(reading);
    if (performance.now() - sliceStart > sliceMs) await nextSlice();
  }
  for (const pending of collected) {
    const series = pending instanceof Promise ? await pending : pending;
    const name = writer.header(series);
    for (let i = 0; i < series.length; i++) {
      const sample = sampleAt(series, i);
      if (sample !== undefined) writer.sample(name, series.type, sample);
      if (
        i % SAMPLES_PER_CLOCK_READ === SAMPLES_PER_CLOCK_READ - 1 &&
        performance.now() - sliceStart > sliceMs
      )
        await nextSlice();
    }
    if (performance.now() - sliceStart > sliceMs) await nextSlice();
  }
  sink.write(writer.take() + writer.end());
}
