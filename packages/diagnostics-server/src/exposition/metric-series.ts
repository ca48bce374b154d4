import type { MetricSnapshot, SampleValue } from './exposition-format.ts';

/** A metric as a prom-client 15 Registry holds it. */
export interface RegistryMetric {
  get(): MetricSnapshot | Promise<MetricSnapshot>;
  getForPromString?(): MetricSnapshot | Promise<MetricSnapshot>;
}

/** One metric's header and its samples, read one at a time while the render writes them. */
export interface MetricSeries {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly length: number;
  /** The sample at `index`; undefined for a series removed since the metric was listed. */
  at(index: number): SampleValue | undefined;
}

/** What prom-client's Counter and Gauge keep: one sample object per label set, keyed by its hash. */
interface PlainMetric {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly hashMap: Record<string, SampleValue>;
  readonly collect?: () => unknown;
}

/** The `get` methods of prom-client's own Counter and Gauge. */
export type PlainMetricGetters = ReadonlySet<unknown>;

let plainGetters: Promise<PlainMetricGetters> | undefined;

/**
 * The `get` of prom-client's own Counter and Gauge, from the copy this package resolves (its peer,
 * so the application's). A metric whose `get` is one of these is read as {@link readPlainMetric}
 * reads it; none is when prom-client cannot be loaded.
 */
export function plainMetricGetters(): Promise<PlainMetricGetters> {
  plainGetters ??= import('prom-client').then(
    ({ Counter, Gauge }) => new Set([getterOf(Counter.prototype), getterOf(Gauge.prototype)]),
    () => new Set<unknown>(),
  );
  return plainGetters;
}

// The method itself, compared by identity and never called unbound.
const getterOf = (metric: object): unknown => (metric as { readonly get?: unknown }).get;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);

/**
 * Starts reading one metric, as prom-client's `registry.metrics()` reads it: its `getForPromString()`
 * or `get()`, the returned values written in order. A synchronous throw becomes a rejection. The
 * getter runs at once (up to its first await), so that the caller can time it into a slice.
 *
 * prom-client's plain Counter and Gauge are the exception. Their `get()` is
 * `Object.values(this.hashMap)` (15.0.0 to 15.1.3), and for 10 000 series that one call walks and
 * sorts the whole dictionary in 3–6 ms, longer than a slice, which no slice can cut. For them the
 * keys alone are listed (half that: same order, so the same bytes) and each sample is read as it is
 * written, slice by slice. Histograms, summaries, a subclass with its own `get()` and metrics of
 * another copy of prom-client are read through their `get()`.
 */
export async function readMetric(
  metric: RegistryMetric,
  plainGetters: PlainMetricGetters,
): Promise<MetricSeries> {
  const plain = plainGetters.has(getterOf(metric)) ? (metric as unknown as PlainMetric) : undefined;
  if (plain !== undefined && typeof metric.getForPromString !== 'function' && isPlainObject(plain.hashMap)) {
    return readPlainMetric(plain);
  }
  const snapshot =
    typeof metric.getForPromString === 'function' ? await metric.getForPromString() : await metric.get();
  const values = snapshot.values ?? [];
  return {
    name: snapshot.name,
    help: snapshot.help,
    type: snapshot.type,
    length: values.length,
    at: (index) => values[index],
  };
}

async function readPlainMetric(metric: PlainMetric): Promise<MetricSeries> {
  // What prom-client's get() does first: a collect callback sets the values it is about to list.
  if (metric.collect) {
    const pending = metric.collect();
    if (pending instanceof Promise) await pending;
  }
  // reset() replaces the map: the render keeps the one it listed, as get() keeps the values it listed.
  const map = metric.hashMap;
  const keys = Object.keys(map);
  return {
    name: metric.name,
    help: metric.help,
    type: metric.type,
    length: keys.length,
    at: (index) => map[keys[index]!],
  };
}
