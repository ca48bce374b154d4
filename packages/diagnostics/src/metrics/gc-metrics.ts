import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { CollectedMetric, type Sample } from './collected-metric.ts';
import type { MetricNaming } from './metric-naming.ts';

const DEFAULT_GC_DURATION_BUCKETS: readonly number[] = [0.001, 0.01, 0.1, 1, 2, 5];

// prom-client's names for Node's GC kinds; a kind it does not name gets the label value "undefined".
const KIND_NAMES = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

/** One `kind`'s series: counts per bucket (not cumulative), sum, count. */
interface KindSeries {
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** The GC histogram and what it holds: {@link GcMetrics.close} disconnects the observer. */
export interface GcMetrics {
  readonly metric: CollectedMetric;
  close(): void;
}

/**
 * `nodejs_gc_duration_seconds{kind}`: a histogram fed by a `gc` PerformanceObserver, with prom-client's
 * buckets (`gcDurationBuckets`, in the order given, as prom-client takes them) and its samples. Every
 * GC of a batch is observed (prom-client's observer takes the first entry of each batch only).
 */
export function gcMetrics(naming: MetricNaming, buckets: readonly number[] | undefined): GcMetrics {
  const bounds = buckets ?? DEFAULT_GC_DURATION_BUCKETS;
  const series = new Map<number | undefined, KindSeries>();
  const observe = (entry: PerformanceEntry): void => {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    let s = series.get(kind);
    if (s === undefined) {
      const kindName = kind === undefined ? undefined : KIND_NAMES.get(kind);
      s = {
        labels: { kind: kindName, ...naming.labels },
        counts: new Float64Array(bounds.length),
        sum: 0,
        count: 0,
      };
      series.set(kind, s);
    }
    const seconds = entry.duration / 1000;
    const bucket = bounds.findIndex((b) => seconds <= b);
    if (bucket !== -1) s.counts[bucket]!++;
    s.sum += seconds;
    s.count++;
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) observe(entry);
  });
  observer.observe({ entryTypes: ['gc'] });

  const metric: CollectedMetric = new CollectedMetric({
    name: naming.name('nodejs_gc_duration_seconds'),
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    type: 'histogram',
    samples: () => {
      const bucket = `${metric.name}_bucket`;
      const samples: Sample[] = [];
      for (const s of series.values()) {
        const shared = s.labels as Record<string, string | number>;
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += s.counts[i]!;
          samples.push({
            value: cumulative,
            labels: { le: bounds[i]! },
            sharedLabels: shared,
            metricName: bucket,
          });
        }
        samples.push(
          { value: s.count, labels: { le: '+Inf' }, sharedLabels: shared, metricName: bucket },
          { value: s.sum, labels: {}, sharedLabels: shared, metricName: `${metric.name}_sum` },
          { value: s.count, labels: {}, sharedLabels: shared, metricName: `${metric.name}_count` },
        );
      }
      return samples;
    },
    reset: () => series.clear(),
  });
  return { metric, close: () => observer.disconnect() };
}
