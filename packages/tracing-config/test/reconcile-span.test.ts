import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installContextManager, withReconcileSpan, type TracingProvider } from '@kubediag/tracing-config';
import { createInMemoryProvider, type InMemoryProvider } from './support/in-memory-provider.ts';

let unit: InMemoryProvider;
let provider: TracingProvider;
let memory: InMemorySpanExporter;

beforeAll(async () => {
  installContextManager();
  unit = await createInMemoryProvider();
  ({ provider, memory } = unit);
});
afterAll(async () => {
  await unit.close();
});

describe('withReconcileSpan', () => {
  it('runs fn inside an active span carrying the request and returns its result', async () => {
    memory.reset();
    const tracer = provider.getTracer('op');
    const result = await withReconcileSpan(
      tracer,
      { controller: 'memcached', name: 'm1', namespace: 'prod' },
      async (span) => {
        await new Promise((r) => setTimeout(r, 1));
        expect(trace.getSpan(context.active())).toBe(span);
        tracer.startSpan('child').end();
        return 42;
      },
      { reconcileId: 'r-1' },
    );
    expect(result).toBe(42);
    const [child, reconcile] = memory.getFinishedSpans();
    expect(reconcile!.name).toBe('Reconcile memcached');
    expect(reconcile!.attributes).toMatchObject({
      'k8s.controller.name': 'memcached',
      'k8s.object.name': 'm1',
      'k8s.namespace.name': 'prod',
      'k8s.reconcile.id': 'r-1',
    });
    expect(reconcile!.status.code).toBe(SpanStatusCode.UNSET);
    expect(child!.parentSpanContext?.spanId).toBe(reconcile!.spanContext().spanId);
  });

  it('records a thrown error, sets status ERROR, ends the span and rethrows', async () => {
    memory.reset();
    const boom = new Error('update status: conflict');
    await expect(
      withReconcileSpan(provider.getTracer('op'), { controller: 'memcached', name: 'm2' }, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const [span] = memory.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'update status: conflict' });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    expect(span!.events[0]!.attributes?.['exception.message']).toBe('update status: conflict');
    expect(span!.attributes['k8s.namespace.name']).toBeUndefined();
    expect(span!.attributes['k8s.reconcile.id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts a custom span name and attributes, and non-Error throws', async () => {
    memory.reset();
    await expect(
      withReconcileSpan(
        provider.getTracer('op'),
        { controller: 'c', name: 'n' },
        () => {
          // Non-Error throws happen (a rejected string from some library); they are recorded too.
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw 'plain string';
        },
        {
          spanName: 'reconcile-widget',
          attributes: { 'app.retry': 2 },
        },
      ),
    ).rejects.toBe('plain string');
    const [span] = memory.getFinishedSpans();
    expect(span!.name).toBe('reconcile-widget');
    expect(span!.attributes['app.retry']).toBe(2);
    expect(span!.status.message).toBe('plain string');
  });
});
