import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  Summary,
  openMetricsContentType,
  type OpenMetricsContentType,
  type PrometheusContentType,
} from 'prom-client';
import { vi } from 'vitest';
import { renderInSlices } from '../../src/exposition/render-in-slices.ts';
import type { ExpositionFormat } from '../../src/exposition/exposition-format.ts';

export type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** A text-format registry (prom-client's default) and an OpenMetrics one. */
export function textRegistry(): Registry<PrometheusContentType> {
  return new Registry();
}
export function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(openMetricsContentType);
  return registry;
}

// Exemplar timestamps are Date.now(): fixed, so that two registries built alike write alike.
const NOW = 1_733_150_000_123;

/**
 * Every kind of metric and every quirk of prom-client's text: counters (with and without `_total`),
 * gauges with NaN and ±Inf, histograms and summaries with labels, label values and help texts that
 * need escaping, numeric label values, default labels, and exemplars on a counter and a histogram
 * (they appear in OpenMetrics only). Deterministic: two registries built by it write the same text.
 */
export function fillWithEveryKind(registry: AnyRegistry): void {
  const spy = vi.spyOn(Date, 'now').mockReturnValue(NOW);
  try {
    const registers = [registry];
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'Requests by "code",\nwith a \\ backslash.',
      labelNames: ['code', 'path'],
      registers,
    });
    requests.inc({ code: '200', path: '/a\\b' }, 3);
    requests.inc({ code: '500', path: 'quote " and\nnewline' });
    const plain = new Counter({ name: 'jobs_done', help: 'A counter without _total.', registers });
    plain.inc(2.5);
    const temps = new Gauge({ name: 'temperature', help: 'Gauge.', labelNames: ['room'], registers });
    temps.set({ room: 'a' }, 21.5);
    temps.set({ room: 'nan' }, NaN);
    temps.set({ room: 'inf' }, Infinity);
    temps.set({ room: '-inf' }, -Infinity);
    temps.set({ room: 'tiny' }, 1e-21);
    const latency = new Histogram({
      name: 'latency_seconds',
      help: 'Histogram.',
      labelNames: ['method'],
      buckets: [0.1, 0.5, 1],
      registers,
    });
    for (const [method, v] of [
      ['GET', 0.05],
      ['GET', 0.7],
      ['POST', 3],
    ] as const)
      latency.observe({ method }, v);
    new Histogram({ name: 'unobserved_seconds', help: 'Histogram without labels.', registers });
    const sizes = new Summary({
      name: 'size_bytes',
      help: 'Summary.',
      labelNames: ['kind'],
      percentiles: [0.5, 0.9],
      registers,
    });
    for (let i = 1; i <= 20; i++) sizes.observe({ kind: i % 2 ? 'odd' : 'even' }, i * 10);
    new Gauge({
      name: 'numeric_labels',
      help: 'A label value given as a number.',
      labelNames: ['n'],
      registers,
    }).set({ n: 7 }, 1);

    // Exemplars: prom-client refuses them at construction on a text registry, so these are registered
    // by hand there (as @kubediag/controller does for its reconcile histogram).
    const withExemplars = { registers: [] as AnyRegistry[], enableExemplars: true };
    const traced = new Counter({ name: 'traced_total', help: 'Counter with exemplars.', ...withExemplars });
    traced.inc({ value: 2, exemplarLabels: { trace_id: 'abc123', span_id: 'def' } });
    // Typed with `string` labels: prom-client's declarations want exemplar labels among the label names.
    const tracedTime = new Histogram<string>({
      name: 'traced_seconds',
      help: 'Histogram with exemplars.',
      labelNames: ['controller'],
      buckets: [0.5, 1],
      ...withExemplars,
    });
    tracedTime.observe({ labels: { controller: 'c' }, value: 0.3, exemplarLabels: { trace_id: 'f00d' } });
    tracedTime.observe({ labels: { controller: 'c' }, value: 7, exemplarLabels: { trace_id: 'beef' } });
    registry.registerMetric(traced);
    registry.registerMetric(tracedTime);
    registry.setDefaultLabels({ pod: 'op-0', code: 'default-loses' });
  } finally {
    spy.mockRestore();
  }
}

/** `metrics` gauges of `series` series each with three short labels: a large registry. */
export function fillWithSeries(registry: AnyRegistry, metrics: number, series: number): void {
  for (let m = 0; m < metrics; m++) {
    const g = new Gauge({
      name: `series_metric_${m}`,
      help: `Metric ${m}.`,
      labelNames: ['pod', 'phase', 'zone'],
      registers: [registry],
    });
    for (let i = 0; i < series; i++)
      g.set({ pod: `pod-${i}`, phase: i % 2 ? 'running' : 'pending', zone: `z${i % 3}` }, i * 1.5);
  }
}

/** The whole text {@link renderInSlices} writes. */
export async function renderToString(
  registry: AnyRegistry,
  format: ExpositionFormat,
  sliceMs?: number,
): Promise<{ text: string; chunks: number }> {
  const parts: string[] = [];
  await renderInSlices(registry, format, { write: (c) => parts.push(c) }, () => false, sliceMs);
  return { text: parts.join(''), chunks: parts.length };
}
