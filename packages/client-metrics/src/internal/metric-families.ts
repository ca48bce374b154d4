import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The metric registered under `name` in `registry`, or a new one registered there: instances on one
 * registry (two `withDiagnostics`, two clients) share their families, as Go's do on its global
 * registry, instead of failing on a duplicate name.
 */
function shared<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** What a family is: its name, help and labels, and for a gauge how it reads its values at scrape. */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

export function counter(registry: Registry, family: Family): Counter {
  return shared(registry, family.name, () => new Counter({ ...family, registers: [registry] }));
}

export function gauge(registry: Registry, family: Family, collect?: (this: Gauge) => void): Gauge {
  return shared(
    registry,
    family.name,
    () => new Gauge({ ...family, registers: [registry], ...(collect === undefined ? {} : { collect }) }),
  );
}

export function histogram(registry: Registry, family: Family, buckets: readonly number[]): Histogram {
  return shared(
    registry,
    family.name,
    () => new Histogram({ ...family, buckets: [...buckets], registers: [registry] }),
  );
}
