import type { CollectedMetric } from './collected-metric.ts';
import { eventLoopDelayMetrics } from './event-loop-delay-metrics.ts';
import { gcMetrics } from './gc-metrics.ts';
import { metricNaming } from './metric-naming.ts';
import { activeMetrics, heapMetrics, heapSpaceMetrics, versionMetric } from './node-runtime-metrics.ts';
import { cpuMetrics, fileDescriptorMetrics, memoryMetrics, startTimeMetric } from './process-metrics.ts';

/** prom-client's `collectDefaultMetrics` options, but the registry, which is an argument here. */
export interface DefaultMetricsConfig {
  /** Prepended to every metric name. @default '' */
  readonly prefix?: string;
  /** Constant labels on every series. @default {} */
  readonly labels?: object;
  /** Buckets of `nodejs_gc_duration_seconds`. @default [0.001, 0.01, 0.1, 1, 2, 5] */
  readonly gcDurationBuckets?: readonly number[];
  /** Resolution of the event-loop delay sampler, in milliseconds. @default 10 */
  readonly eventLoopMonitoringPrecision?: number;
}

/** What registering the default metrics started: the delay sampler and the GC observer. */
export interface DefaultMetrics {
  /** Stops the delay sampler and disconnects the GC observer; the metrics keep their last figures. */
  close(): void;
}

/** The part of a prom-client Registry this needs. */
interface MetricRegistry {
  registerMetric(metric: never): void;
}

/**
 * Registers on `registry` the metrics prom-client 15's `collectDefaultMetrics` registers — the same
 * names, types, help texts, labels, order and text on `/metrics`, so dashboards built on them keep
 * working — at a fraction of their cost per scrape: each source is read once per scrape (one
 * `process.cpuUsage()`, one read of /proc/self/status into a reused buffer, one `stat` for the open
 * descriptors, one listing of handles, of requests and of resources, `v8.getHeapStatistics()` in
 * place of `process.memoryUsage()`), the event-loop delay histogram at most once per second, and no
 * label hashing or per-series objects between scrapes. Throws as prom-client does when a metric of
 * the same name is already registered, or on a bad `prefix` or label name.
 */
export function registerDefaultMetrics(
  registry: MetricRegistry,
  config: DefaultMetricsConfig = {},
): DefaultMetrics {
  const naming = metricNaming(config.prefix, config.labels);
  const delay = eventLoopDelayMetrics(naming, config.eventLoopMonitoringPrecision ?? 10);
  const gc = gcMetrics(naming, config.gcDurationBuckets);
  // prom-client's order (lib/defaultMetrics.js), which is the order of /metrics.
  const metrics: CollectedMetric[] = [
    ...cpuMetrics(naming),
    startTimeMetric(naming),
    ...memoryMetrics(naming),
    ...fileDescriptorMetrics(naming),
    ...delay.metrics,
    ...activeMetrics(naming),
    ...heapMetrics(naming),
    ...heapSpaceMetrics(naming),
    versionMetric(naming),
    gc.metric,
  ];
  try {
    for (const metric of metrics) registry.registerMetric(metric as never);
  } catch (err) {
    delay.close();
    gc.close();
    throw err;
  }
  return {
    close() {
      delay.close();
      gc.close();
    },
  };
}
