import { CollectedMetric } from './collected-metric.ts';
import type { MetricNaming } from './metric-naming.ts';
import { maxFileDescriptors, openFileDescriptors, readProcStatus, type ProcStatus } from './proc-files.ts';

// prom-client computes it once, when it is loaded; here, when this module is.
const startInSeconds = Math.round(Date.now() / 1000 - process.uptime());

/**
 * `process_cpu_user_seconds_total`, `process_cpu_system_seconds_total`, `process_cpu_seconds_total`:
 * one `process.cpuUsage()` per scrape. Counted from the process start, as Go's process collector
 * counts (prom-client counts from when its collector was created, which leaves the start-up out);
 * `resetMetrics()` starts them at zero again.
 */
export function cpuMetrics(naming: MetricNaming): CollectedMetric[] {
  let base = { user: 0, system: 0 };
  let usage = { user: 0, system: 0 };
  const counter = (name: string, help: string, seconds: () => number, collect?: () => void) =>
    new CollectedMetric({
      name: naming.name(name),
      help,
      type: 'counter',
      ...(collect ? { collect } : {}),
      samples: () => [{ value: seconds(), labels: naming.labels }],
      reset: () => (base = usage = process.cpuUsage()),
    });
  return [
    counter(
      'process_cpu_user_seconds_total',
      'Total user CPU time spent in seconds.',
      () => (usage.user - base.user) / 1e6,
      () => (usage = process.cpuUsage()),
    ),
    counter(
      'process_cpu_system_seconds_total',
      'Total system CPU time spent in seconds.',
      () => (usage.system - base.system) / 1e6,
    ),
    counter(
      'process_cpu_seconds_total',
      'Total user and system CPU time spent in seconds.',
      () => (usage.user - base.user + usage.system - base.system) / 1e6,
    ),
  ];
}

/** `process_start_time_seconds`. */
export function startTimeMetric(naming: MetricNaming): CollectedMetric {
  return new CollectedMetric({
    name: naming.name('process_start_time_seconds'),
    help: 'Start time of the process since unix epoch in seconds.',
    type: 'gauge',
    aggregator: 'omit',
    samples: () => [{ value: startInSeconds, labels: naming.labels }],
  });
}

/**
 * `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_heap_bytes`: one read of
 * /proc/self/status per scrape on Linux; elsewhere the resident size only, as prom-client.
 */
export function memoryMetrics(naming: MetricNaming): CollectedMetric[] {
  const gauge = (name: string, help: string, value: () => number, collect?: () => void) =>
    new CollectedMetric({
      name: naming.name(name),
      help,
      type: 'gauge',
      ...(collect ? { collect } : {}),
      samples: () => [{ value: value(), labels: naming.labels }],
    });
  if (process.platform !== 'linux') {
    let rss = 0;
    return [
      gauge(
        'process_resident_memory_bytes',
        'Resident memory size in bytes.',
        () => rss,
        () => (rss = process.memoryUsage.rss()),
      ),
    ];
  }
  // Kept when a read fails, as prom-client keeps the last values.
  const status: ProcStatus = { vmSize: 0, vmRss: 0, vmData: 0 };
  return [
    gauge(
      'process_resident_memory_bytes',
      'Resident memory size in bytes.',
      () => status.vmRss,
      () => readProcStatus(status),
    ),
    gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', () => status.vmSize),
    gauge('process_heap_bytes', 'Process heap size in bytes.', () => status.vmData),
  ];
}

/** `process_open_fds` and `process_max_fds`, on Linux (as prom-client: nothing elsewhere). */
export function fileDescriptorMetrics(naming: MetricNaming): CollectedMetric[] {
  if (process.platform !== 'linux') return [];
  let open = 0;
  const metrics = [
    new CollectedMetric({
      name: naming.name('process_open_fds'),
      help: 'Number of open file descriptors.',
      type: 'gauge',
      collect: () => (open = openFileDescriptors() ?? open),
      samples: () => [{ value: open, labels: naming.labels }],
    }),
  ];
  const max = maxFileDescriptors();
  if (max !== undefined)
    metrics.push(
      new CollectedMetric({
        name: naming.name('process_max_fds'),
        help: 'Maximum number of open file descriptors.',
        type: 'gauge',
        samples: () => [{ value: max, labels: naming.labels }],
      }),
    );
  return metrics;
}
