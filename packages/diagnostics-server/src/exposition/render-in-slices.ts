import { ExpositionWriter, type ExpositionFormat, type MetricSnapshot } from './exposition-format.ts';

/** A metric as a prom-client 15 Registry holds it. */
export interface RegistryMetric {
  get(): MetricSnapshot | Promise<MetricSnapshot>;
  getForPromString?(): MetricSnapshot | Promise<MetricSnapshot>;
}

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

/** How long one slice may hold the event loop before the render yields. */
export const SLICE_MS = 2;
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
 * Each metric's values are collected as prom-client collects them (its `getForPromString()` or
 * `get()`, every collection started in registry order before any is written, so asynchronous collects
 * overlap and a collect that sets its siblings' values runs first), and the first failure rejects,
 * as it makes `registry.metrics()` reject. One metric's own collection cannot be cut, so a single very
 * large metric still holds the loop for as long as prom-client takes to list its values.
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
  let sliceStart = performance.now();
  const nextSlice = async (): Promise<void> => {
    const text = writer.take();
    if (text !== '') sink.write(text);
    await yieldToLoop();
    if (aborted()) throw new RenderAborted('the scrape was abandoned');
    sliceStart = performance.now();
  };

  const collected: Promise<MetricSnapshot>[] = [];
  for (const metric of metrics) {
    collected.push(collect(metric));
    if (performance.now() - sliceStart > sliceMs) await nextSlice();
  }
  for (const pending of collected) {
    const snapshot = await pending;
    const name = writer.header(snapshot);
    const values = snapshot.values ?? [];
    for (let i = 0; i < values.length; i++) {
      writer.sample(name, snapshot.type, values[i]!);
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

/** One metric's values, as prom-client's render reads them; a synchronous throw becomes a rejection. */
function collect(metric: RegistryMetric): Promise<MetricSnapshot> {
  // An async function runs the getter at once, up to its first await, and turns a throw into a rejection.
  const pending = (async () =>
    typeof metric.getForPromString === 'function' ? metric.getForPromString() : metric.get())();
  // Awaited in order later; a failure is handled there, not reported as unhandled in the meantime.
  pending.catch(() => undefined);
  return pending;
}
