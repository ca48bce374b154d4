import { readFileSync } from 'node:fs';
import { createDiscardLogger } from '@kubediag/klog';
import { createAuthnAuthz } from '@kubediag/authn-authz-filter';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createController } from '@kubediag/controller';
import { loadFlightRecorderMetrics } from '../src/flight-recorder-metrics.ts';
import { registerDefaultMetrics } from '../src/metrics/default-metrics.ts';
import { recordClientTraffic } from './support/client-traffic.ts';

const dashboard = JSON.parse(
  readFileSync(new URL('../dashboards/controller-runtime.json', import.meta.url), 'utf8'),
) as { panels: { targets?: { expr: string }[] }[] };

const PROMQL_WORDS = new Set([
  'sum',
  'by',
  'rate',
  'max',
  'histogram_quantile',
  'le',
  'job',
  'controller',
  'name',
]);

/** Labels Prometheus attaches to every series of a target: no exporter produces them. */
const TARGET_LABELS = new Set(['job', 'pod']);

/** Metric names and the labels a PromQL expression refers to: `by (...)` and selectors' matchers. */
function references(expr: string): { metrics: string[]; labels: string[] } {
  const grouped = [...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()));
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
    [...m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  );
  const labels = [...grouped, ...matched].filter((l) => !TARGET_LABELS.has(l));
  const metrics = [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\{/g)]
    .map((m) => m[1]!)
    .filter((w) => !PROMQL_WORDS.has(w));
  return { metrics, labels };
}

describe('the Grafana dashboard', () => {
  it('queries only metrics and labels that kubediag produces', async () => {
    const registry = new Registry();
    // What withDiagnostics registers in place of prom-client's defaults.
    const runtimeMetrics = registerDefaultMetrics(registry);
    const controller = createController({
      name: 'c',
      logger: createDiscardLogger(),
      registry,
      reconcile: async () => undefined,
    });
    controller.enqueue({ namespace: 'n', name: 'o' });
    const loop = controller.start();
    await controller.stop();
    await loop;
    (await loadFlightRecorderMetrics(registry))(() => undefined);
    await createAuthnAuthz(
      { reviewClient: { tokenReview: async () => ({}), subjectAccessReview: async () => ({}) } },
      { logger: createDiscardLogger(), registry },
    );
    // The operator's apiserver requests (durations on), an observed informer, a leader election.
    const releaseClientTraffic = await recordClientTraffic(registry);

    const families = new Map<string, Set<string>>();
    const collected = await registry.getMetricsAsJSON();
    runtimeMetrics.close();
    await releaseClientTraffic();
    for (const metric of collected) {
      const labels = new Set<string>(['le']);
      for (const v of metric.values as { labels: Record<string, unknown> }[])
        for (const l of Object.keys(v.labels)) labels.add(l);
      families.set(metric.name, labels);
    }
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      const { metrics, labels } = references(expr);
      expect(metrics.length, expr).toBeGreaterThan(0);
      for (const metric of metrics) {
        const family = metric.replace(/_(bucket|count|sum)$/, '');
        expect(families.has(family), `${expr}: no metric ${family}`).toBe(true);
        for (const label of labels) {
          expect(families.get(family)!.has(label), `${expr}: ${family} has no label ${label}`).toBe(true);
        }
      }
    }
  });
});
