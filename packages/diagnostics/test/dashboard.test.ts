import { readFileSync } from 'node:fs';
import { createDiscardLogger } from '@kubediag/klog';
import { createAuthnAuthz } from '@kubediag/authn-authz-filter';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createController } from '../src/controller/controller.ts';

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

/** Metric names and `by (...)` labels a PromQL expression refers to. */
function references(expr: string): { metrics: string[]; labels: string[] } {
  const labels = [...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()));
  const metrics = [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\{/g)]
    .map((m) => m[1]!)
    .filter((w) => !PROMQL_WORDS.has(w));
  return { metrics, labels };
}

describe('the Grafana dashboard', () => {
  it('queries only metrics and labels that kubediag produces', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
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
    await createAuthnAuthz(
      { reviewClient: { tokenReview: async () => ({}), subjectAccessReview: async () => ({}) } },
      { logger: createDiscardLogger(), registry },
    );

    const families = new Map<string, Set<string>>();
    for (const metric of await registry.getMetricsAsJSON()) {
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
        for (const label of labels.filter((l) => l !== 'pod')) {
          expect(families.get(family)!.has(label), `${expr}: ${family} has no label ${label}`).toBe(true);
        }
      }
    }
  });
});
