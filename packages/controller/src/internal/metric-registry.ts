import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Returns the metric already registered under `name` in `registry`, or registers a new one. Lets
 * several controllers (and several calls) share one set of controller-runtime metrics on a
 * registry, as the Go metrics do on their global registry.
 */
export function getOrRegister<T>(registry: Registry, name: string, create: () => T): T {
  const existing = registry.getSingleMetric(name);
  return (existing as T | undefined) ?? create();
}

export function counter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
): Counter {
  return getOrRegister(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }));
}

export function gauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  collect?: (this: Gauge) => void,
): Gauge {
  return getOrRegister(
    registry,
    name,
    () => new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) }),
  );
}

export function histogram(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  buckets: number[],
): Histogram {
  return getOrRegister(
    registry,
    name,
    () => new Histogram({ name, help, labelNames, buckets, registers: [registry] }),
  );
}

/** Prometheus' ExponentialBuckets(start, factor, count). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const buckets: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) buckets.push(Number(b.toPrecision(12)));
  return buckets;
}
