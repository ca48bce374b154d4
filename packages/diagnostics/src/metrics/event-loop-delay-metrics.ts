import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { CollectedMetric, type Aggregator } from './collected-metric.ts';
import type { MetricNaming } from './metric-naming.ts';

/**
 * The shortest time between two reads of the delay histogram. Each of its figures walks Node's whole
 * HDR histogram natively (`stddev` about 0.5 ms on an idle machine, several on a busy one; `mean`
 * about a tenth of that), and Node offers no single read of them all; so the figures are read, and
 * the histogram reset, at most once per this interval, and a scrape within it reports the last ones.
 * Prometheus scrapes every 15–30 s, so each of its scrapes still reads fresh figures over the time
 * since the previous one, as prom-client's do; a burst of scrapes pays for one read.
 */
export const DELAY_READ_INTERVAL_MS = 1000;

/** The seven figures, in nanoseconds, as Node's histogram gives them (NaN and 2^63 − 1 when empty). */
interface DelayFigures {
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

/** The event-loop delay metrics and what they hold: {@link EventLoopDelayMetrics.close} stops the sampler. */
export interface EventLoopDelayMetrics {
  readonly metrics: CollectedMetric[];
  close(): void;
}

/**
 * prom-client's `nodejs_eventloop_lag_*`: Node's native delay sampler at `resolutionMs` (its ticks
 * cost far less than a JavaScript timer would, which matters more than the reads at a 15 s scrape
 * interval), read at most once per {@link DELAY_READ_INTERVAL_MS}; and `nodejs_eventloop_lag_seconds`,
 * the time from a scrape's collection to the loop's next check phase, which prom-client reports at the
 * next scrape (set after the current one has been written).
 */
export function eventLoopDelayMetrics(
  naming: MetricNaming,
  resolutionMs: number,
  now: () => number = () => performance.now(),
): EventLoopDelayMetrics {
  let histogram: IntervalHistogram | undefined;
  try {
    histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    histogram.enable();
  } catch (err) {
    // Runtimes without the sampler (Bun) get no delay metrics, as with prom-client.
    if ((err as { code?: string }).code === 'ERR_NOT_IMPLEMENTED') return { metrics: [], close() {} };
    throw err;
  }
  const sampler = histogram;
  const figures: DelayFigures = { min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 };
  let lastRead = -Infinity;
  // prom-client's gauge holds no series before its first report when it has constant labels.
  let lag: number | undefined = Object.keys(naming.labels).length > 0 ? undefined : 0;
  const reportLag = (start: bigint): void => {
    lag = Number(process.hrtime.bigint() - start) / 1e9;
  };
  const collect = (): void => {
    setImmediate(reportLag, process.hrtime.bigint());
    const at = now();
    if (at - lastRead < DELAY_READ_INTERVAL_MS) return;
    lastRead = at;
    figures.min = sampler.min;
    figures.max = sampler.max;
    figures.mean = sampler.mean;
    figures.stddev = sampler.stddev;
    figures.p50 = sampler.percentile(50);
    figures.p90 = sampler.percentile(90);
    figures.p99 = sampler.percentile(99);
    sampler.reset();
  };
  const gauge = (
    name: string,
    help: string,
    aggregator: Aggregator,
    value: () => number | undefined,
    leader = false,
  ) =>
    new CollectedMetric({
      name: naming.name(name),
      help,
      type: 'gauge',
      aggregator,
      ...(leader ? { collect } : {}),
      samples: () => {
        const v = value();
        return v === undefined ? [] : [{ value: v, labels: naming.labels }];
      },
    });
  const seconds = (key: keyof DelayFigures) => () => figures[key] / 1e9;
  return {
    metrics: [
      gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', 'average', () => lag, true),
      gauge(
        'nodejs_eventloop_lag_min_seconds',
        'The minimum recorded event loop delay.',
        'min',
        seconds('min'),
      ),
      gauge(
        'nodejs_eventloop_lag_max_seconds',
        'The maximum recorded event loop delay.',
        'max',
        seconds('max'),
      ),
      gauge(
        'nodejs_eventloop_lag_mean_seconds',
        'The mean of the recorded event loop delays.',
        'average',
        seconds('mean'),
      ),
      gauge(
        'nodejs_eventloop_lag_stddev_seconds',
        'The standard deviation of the recorded event loop delays.',
        'average',
        seconds('stddev'),
      ),
      gauge(
        'nodejs_eventloop_lag_p50_seconds',
        'The 50th percentile of the recorded event loop delays.',
        'average',
        seconds('p50'),
      ),
      gauge(
        'nodejs_eventloop_lag_p90_seconds',
        'The 90th percentile of the recorded event loop delays.',
        'average',
        seconds('p90'),
      ),
      gauge(
        'nodejs_eventloop_lag_p99_seconds',
        'The 99th percentile of the recorded event loop delays.',
        'average',
        seconds('p99'),
      ),
    ],
    close: () => sampler.disable(),
  };
}
