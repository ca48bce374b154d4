import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createReconcileMetrics } from '../src/reconcile-metrics.ts';
import { createWorkQueue } from '../src/work-queue.ts';

async function value(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('createReconcileMetrics', () => {
  it('counts results under controller-runtime names and labels', async () => {
    const registry = new Registry();
    const m = createReconcileMetrics({ controller: 'widget', registry, maxConcurrentReconciles: 3 });
    await m.observe(async () => undefined);
    await m.observe(async () => ({ requeue: true }));
    await m.observe(async () => ({ requeueAfterMs: 1000 }));
    await expect(m.observe(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const total = (result: string) =>
      value(registry, 'controller_runtime_reconcile_total', { controller: 'widget', result });
    expect(await total('success')).toBe(1);
    expect(await total('requeue')).toBe(1);
    expect(await total('requeue_after')).toBe(1);
    expect(await total('error')).toBe(1);
    expect(await value(registry, 'controller_runtime_reconcile_errors_total', { controller: 'widget' })).toBe(
      1,
    );
    expect(
      await value(registry, 'controller_runtime_max_concurrent_reconciles', { controller: 'widget' }),
    ).toBe(3);
    expect(await value(registry, 'controller_runtime_active_workers', { controller: 'widget' })).toBe(0);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="widget"} 4');
    expect(text).toContain(
      'controller_runtime_reconcile_time_seconds_bucket{le="0.005",controller="widget"}',
    );
  });

  it('shares one set of metrics between controllers on a registry', async () => {
    const registry = new Registry();
    const a = createReconcileMetrics({ controller: 'a', registry });
    const b = createReconcileMetrics({ controller: 'b', registry });
    await a.observe(async () => undefined);
    await b.observe(async () => undefined);
    b.terminalError();
    expect(
      await value(registry, 'controller_runtime_reconcile_total', { controller: 'a', result: 'success' }),
    ).toBe(1);
    expect(
      await value(registry, 'controller_runtime_reconcile_total', { controller: 'b', result: 'success' }),
    ).toBe(1);
    expect(
      await value(registry, 'controller_runtime_terminal_reconcile_errors_total', { controller: 'b' }),
    ).toBe(1);
  });
});

describe('createWorkQueue', () => {
  it('merges a key added while it waits and delivers it once', async () => {
    const q = createWorkQueue({ name: 'q' });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  it('re-queues a key added while it is processed only after done()', async () => {
    const q = createWorkQueue({ name: 'q' });
    q.add('k');
    const key = await q.get();
    q.add('k');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('k');
  });

  it('resolves pending gets with undefined after shutDown', async () => {
    const q = createWorkQueue({ name: 'q' });
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add('late');
    expect(q.length).toBe(0);
  });

  it('records workqueue metrics with name and controller labels', async () => {
    const registry = new Registry();
    const q = createWorkQueue({ name: 'widget', registry, backoff: { baseMs: 1, maxMs: 4 } });
    q.add('a');
    q.add('b');
    expect(await value(registry, 'workqueue_depth', { name: 'widget', controller: 'widget' })).toBe(2);
    const k = await q.get();
    expect(await value(registry, 'workqueue_depth', { name: 'widget' })).toBe(1);
    q.addRateLimited(k!);
    q.done(k!);
    expect(await value(registry, 'workqueue_adds_total', { name: 'widget', controller: 'widget' })).toBe(2);
    expect(await value(registry, 'workqueue_retries_total', { name: 'widget' })).toBe(1);
    const text = await registry.metrics();
    expect(text).toMatch(/workqueue_queue_duration_seconds_count\{name="widget",controller="widget"\} 1/);
    expect(text).toMatch(/workqueue_work_duration_seconds_count\{name="widget",controller="widget"\} 1/);
    expect(text).toMatch(/workqueue_unfinished_work_seconds\{name="widget",controller="widget"\} 0/);
    expect(await q.get()).toBe('b');
    expect(await q.get()).toBe('a'); // came back after its 1 ms backoff
  });
});
