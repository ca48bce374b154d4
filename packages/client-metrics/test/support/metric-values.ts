import type { Registry } from 'prom-client';

/** The value of the series of `name` whose labels include `labels`; undefined when there is none. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

/** Every series of `name` as `{labels} value` pairs, for readable failures. */
export async function series(
  registry: Registry,
  name: string,
): Promise<{ labels: Record<string, string | number | undefined>; value: number }[]> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).map((v) => ({ labels: { ...v.labels }, value: v.value }));
}
