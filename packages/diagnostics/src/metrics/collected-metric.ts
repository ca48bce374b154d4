/** How prom-client's cluster `AggregatorRegistry` merges a metric across workers. */
export type Aggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

/** One sample as a prom-client metric's `get()` lists it. */
export interface Sample {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string | number>;
  metricName?: string;
}

/** What a prom-client metric's `get()` resolves to, as the registry renders it. */
export interface MetricData {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly values: Sample[];
  readonly aggregator: Aggregator;
}

/** How a {@link CollectedMetric} is defined. */
export interface CollectedMetricSpec {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator?: Aggregator;
  /** Reads the figures of the metric's group once; given to the group's first metric only. */
  readonly collect?: () => void;
  /** The samples, from the figures the group last read. */
  readonly samples: () => Sample[];
  /** What `registry.resetMetrics()` does to it (gauges are re-read at every scrape: nothing). */
  readonly reset?: () => void;
}

/**
 * A default metric as a prom-client Registry holds it: what `registerMetric`, `metrics()`,
 * `getMetricsAsJSON()`, `resetMetrics()` and the cluster aggregator read (`name`, `help`, `type`,
 * `aggregator`, `get()`, `reset()`), without prom-client's per-series label hashing. A group of
 * metrics read from one source (one `/proc` file, one V8 call) shares one read per scrape: its first
 * metric reads, the others take its figures, as prom-client's own default metrics do.
 */
export class CollectedMetric {
  /** Writable: prom-client's OpenMetrics render renames counters in place. */
  name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator: Aggregator;
  readonly #spec: CollectedMetricSpec;

  constructor(spec: CollectedMetricSpec) {
    this.name = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.aggregator = spec.aggregator ?? 'sum';
    this.#spec = spec;
  }

  /** The samples as the registry writes them: a histogram's series labels stay in `sharedLabels`. */
  getForPromString(): Promise<MetricData> {
    // The executor runs at once; a throwing collect rejects, as prom-client's metrics' get() does.
    return new Promise((resolve) => {
      this.#spec.collect?.();
      resolve({
        name: this.name,
        help: this.help,
        type: this.type,
        values: this.#spec.samples(),
        aggregator: this.aggregator,
      });
    });
  }

  /** The samples as `getMetricsAsJSON()` lists them: `sharedLabels` merged into `labels`, as prom-client does. */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    if (this.type !== 'histogram') return data;
    const values = data.values.map(({ sharedLabels, ...sample }) =>
      sharedLabels === undefined ? sample : { ...sample, labels: Object.assign(sample.labels, sharedLabels) },
    );
    return { ...data, values };
  }

  reset(): void {
    this.#spec.reset?.();
  }
}
