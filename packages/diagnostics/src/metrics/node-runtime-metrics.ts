import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { CollectedMetric, type Sample } from './collected-metric.ts';
import type { MetricNaming } from './metric-naming.ts';

type Labels = Readonly<Record<string, string | number>>;

/** A gauge pair `<name>{type}` and `<name>_total` from one listing per scrape (prom-client lists twice). */
function countedByType(
  naming: MetricNaming,
  name: string,
  help: string,
  totalHelp: string,
  list: () => readonly unknown[],
  typeOf: (item: unknown) => string | undefined,
): CollectedMetric[] {
  let byType = new Map<string, number>();
  let total = 0;
  return [
    new CollectedMetric({
      name: naming.name(name),
      help,
      type: 'gauge',
      collect: () => {
        const items = list();
        const counts = new Map<string, number>();
        for (const item of items) {
          const type = typeOf(item);
          if (type !== undefined) counts.set(type, (counts.get(type) ?? 0) + 1);
        }
        byType = counts;
        total = items.length;
      },
      samples: () => {
        const samples: Sample[] = [];
        for (const [type, value] of byType) samples.push({ value, labels: { type, ...naming.labels } });
        return samples;
      },
    }),
    new CollectedMetric({
      name: naming.name(`${name}_total`),
      help: totalHelp,
      type: 'gauge',
      samples: () => [{ value: total, labels: naming.labels }],
    }),
  ];
}

/** prom-client's name for a libuv handle or request: its JavaScript constructor's. */
function constructorName(item: unknown): string | undefined {
  const ctor = (item as { constructor?: { name: string } } | null | undefined)?.constructor;
  return item && ctor !== undefined ? ctor.name : undefined;
}

type ProcessListings = {
  getActiveResourcesInfo?: () => string[];
  _getActiveHandles?: () => unknown[];
  _getActiveRequests?: () => unknown[];
};

/** `nodejs_active_resources`, `nodejs_active_handles`, `nodejs_active_requests` (each with `_total`), where Node has them. */
export function activeMetrics(naming: MetricNaming): CollectedMetric[] {
  const proc = process as unknown as ProcessListings;
  const metrics: CollectedMetric[] = [];
  if (typeof proc.getActiveResourcesInfo === 'function') {
    const list = proc.getActiveResourcesInfo.bind(process);
    metrics.push(
      ...countedByType(
        naming,
        'nodejs_active_resources',
        'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
        'Total number of active resources.',
        list,
        (r) => r as string,
      ),
    );
  }
  if (typeof proc._getActiveHandles === 'function') {
    metrics.push(
      ...countedByType(
        naming,
        'nodejs_active_handles',
        'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.',
        'Total number of active handles.',
        proc._getActiveHandles.bind(process),
        constructorName,
      ),
    );
  }
  if (typeof proc._getActiveRequests === 'function') {
    metrics.push(
      ...countedByType(
        naming,
        'nodejs_active_requests',
        'Number of active libuv requests grouped by request type. Every request type is C++ class name.',
        'Total number of active requests.',
        proc._getActiveRequests.bind(process),
        constructorName,
      ),
    );
  }
  return metrics;
}

/**
 * `nodejs_heap_size_total_bytes`, `nodejs_heap_size_used_bytes`, `nodejs_external_memory_bytes`:
 * `v8.getHeapStatistics()`, the figures `process.memoryUsage()` reports without its resident-size
 * read of /proc, which `process_resident_memory_bytes` already makes.
 */
export function heapMetrics(naming: MetricNaming): CollectedMetric[] {
  let stats = { total_heap_size: 0, used_heap_size: 0, external_memory: 0 };
  const gauge = (name: string, help: string, value: () => number, collect?: () => void) =>
    new CollectedMetric({
      name: naming.name(name),
      help,
      type: 'gauge',
      ...(collect ? { collect } : {}),
      samples: () => [{ value: value(), labels: naming.labels }],
    });
  return [
    gauge(
      'nodejs_heap_size_total_bytes',
      'Process heap size from Node.js in bytes.',
      () => stats.total_heap_size,
      () => (stats = getHeapStatistics()),
    ),
    gauge(
      'nodejs_heap_size_used_bytes',
      'Process heap size used from Node.js in bytes.',
      () => stats.used_heap_size,
    ),
    gauge(
      'nodejs_external_memory_bytes',
      'Node.js external memory size in bytes.',
      () => stats.external_memory,
    ),
  ];
}

/** `nodejs_heap_space_size_{total,used,available}_bytes{space}`: one `v8.getHeapSpaceStatistics()` per scrape. */
export function heapSpaceMetrics(naming: MetricNaming): CollectedMetric[] {
  let spaces: { labels: Labels; total: number; used: number; available: number }[] = [];
  const kinds = ['total', 'used', 'available'] as const;
  return kinds.map(
    (kind, i) =>
      new CollectedMetric({
        name: naming.name(`nodejs_heap_space_size_${kind}_bytes`),
        help: `Process heap space size ${kind} from Node.js in bytes.`,
        type: 'gauge',
        ...(i === 0
          ? {
              collect: () => {
                spaces = getHeapSpaceStatistics().map((s) => ({
                  labels: { space: spaceName(s.space_name), ...naming.labels },
                  total: s.space_size,
                  used: s.space_used_size,
                  available: s.space_available_size,
                }));
              },
            }
          : {}),
        samples: () => spaces.map((s) => ({ value: s[kind], labels: s.labels })),
      }),
  );
}

/** `new_space` → `new`; prom-client's `substr(0, indexOf('_space'))`, so a name without it gives ''. */
function spaceName(v8Name: string): string {
  const at = v8Name.indexOf('_space');
  return at === -1 ? '' : v8Name.slice(0, at);
}

/** `nodejs_version_info{version,major,minor,patch} 1`. */
export function versionMetric(naming: MetricNaming): CollectedMetric {
  const [major, minor, patch] = process.version.slice(1).split('.').map(Number);
  const labels = { version: process.version, major: major!, minor: minor!, patch: patch!, ...naming.labels };
  return new CollectedMetric({
    name: naming.name('nodejs_version_info'),
    help: 'Node.js version info.',
    type: 'gauge',
    aggregator: 'first',
    samples: () => [{ value: 1, labels }],
  });
}
