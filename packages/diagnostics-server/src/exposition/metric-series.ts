import type { MetricSnapshot, SampleValue } from './exposition-format.ts';

/** A metric as a prom-client 15 Registry holds it. */
export interface RegistryMetric {
  get(): MetricSnapshot | Promise<MetricSnapshot>;
  getForPromString?(): MetricSnapshot | Promise<MetricSnapshot>;
}

/**
 * One metric's header and its samples: listed by its `get()`, or (prom-client's plain counters and
 * gauges) the keys of its samples, each read when it is written. Read them with {@link sampleAt}.
 */
export interface MetricSeries {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly length: number;
  /** The samples `get()` listed; undefined when the samples are read by key. */
  readonly values: readonly SampleValue[] | undefined;
  readonly keys: readonly string[];
  readonly byKey: Readonly<Record<string, SampleValue | undefined>>;
}

const NO_KEYS: readonly string[] = Object.freeze([]);
const NO_SAMPLES: Readonly<Record<string, SampleValue>> = Object.freeze({});

/** The sample at `index`; undefined for a series removed since its metric was listed. */
export function sampleAt(series: MetricSeries, index: number): SampleValue | undefined {
  // Data, not a closure per metric: a call per sample through one of two closures cost the render
  // of a small registry 10–20 % of its CPU.
  return series.values !== undefined ? series.values[index] : series.byKey[series.keys[index]!];
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Starts reading one metric, as prom-client's `registry.metrics()` reads it: its `getForPromString()`
 * or `get()`, the returned values written in order. The getter runs at once (up to its first await),
 * so that the caller can time it into a slice; a metric read synchronously is returned as it is (no
 * promise, no microtask per metric), and a synchronous throw becomes a rejection.
 *
 * prom-client's plain Counter and Gauge are the exception. Their `get()` is
 * `Object.values(this.hashMap)` (15.0.0 to 15.1.3), and for 10 000 series that one call walks and
 * sorts the whole dictionary in 3–6 ms, longer than a slice, which no slice can cut. For them the
 * keys alone are listed (half that: same order, so the same bytes) and each sample is read as it is
 * written, slice by slice. Histograms, summaries, a subclass with its own `get()` and metrics of
 * another copy of prom-client are read through their `get()`.
 */
export function readMetric(
  metric: RegistryMetric,
  plainGetters: PlainMetricGetters,
): MetricSeries | Promise<MetricSeries> {
  if (plainGetters.has(getterOf(metric)) && typeof metric.getForPromString !== 'function') {
    const plain = metric as unknown as PlainMetric;
    if (isPlainObject(plain.hashMap)) {
      try {
        return readPlainMetric(plain);
      } catch (err) {
        // As get() would reject: the render fails at this metric's turn, with what the collect threw.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(err);
      }
    }
  }
  return readThroughGet(metric);
}

async function readThroughGet(metric: RegistryMetric): Promise<MetricSeries> {
  const snapshot =
    typeof metric.getForPromString === 'function' ? await metric.getForPromString() : await metric.get();
  const values = snapshot.values ?? [];
  return {
    name: snapshot.name,
    help: snapshot.help,
    type: snapshot.type,
    length: values.length,
    values,
    keys: NO_KEYS,
    byKey: NO_SAMPLES,
  };
}

function readPlainMetric(metric: PlainMetric): MetricSeries | Promise<MetricSeries> {
  // What prom-client's get() does first: a collect callback sets the values it is about to list.
  if (metric.collect) {
    const pending = metric.collect();
    if (pending instanceof Promise) return pending.then(() => listPlainMetric(metric));
  }
  return listPlainMetric(metric);
}

function listPlainMetric(metric: PlainMetric): MetricSeries {
  // reset() replaces the map: the render keeps the one it listed, as get() keeps the values it listed.
  const byKey = metric.hashMap;
  const keys = Object.keys(byKey);
  return {
    name: metric.name,
    help: metric.help,
    type: metric.type,
    length: keys.length,
    values: undefined,
    keys,
    byKey,
  };
}
