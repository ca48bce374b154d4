// Against a real OpenTelemetry Collector (built by @kubediag/envtest's setup): spans leave the
// process over OTLP gRPC to the endpoint a Kubernetes TracingConfiguration names, with no scheme
// and no TLS, exactly as kube-apiserver would dial it.
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpAttribute, startCollector, type RunningCollector } from '@kubediag/envtest';
import {
  createTracingProvider,
  decodeTracingConfiguration,
  installContextManager,
  withReconcileSpan,
  type TracingConfiguration,
} from '@kubediag/tracing-config';

let collector: RunningCollector;

beforeAll(async () => {
  installContextManager();
  collector = await startCollector();
});
afterAll(async () => {
  await collector?.stop();
});

function config(rate?: number): TracingConfiguration {
  return decodeTracingConfiguration(
    `apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\nendpoint: ${collector.endpoint}\n` +
      (rate === undefined ? '' : `samplingRatePerMillion: ${rate}\n`),
  )!;
}

describe('export to a real OpenTelemetry Collector', () => {
  it('delivers spans with the resource and parent/child relationships', async () => {
    const provider = await createTracingProvider(config(1_000_000), {
      serviceName: 'memcached-operator',
      serviceInstanceId: 'parentage-1',
      register: false,
    });
    const tracer = provider.getTracer('operator');
    let reconcileId = '';
    await withReconcileSpan(
      tracer,
      { controller: 'memcached', name: 'cache', namespace: 'prod' },
      async (span) => {
        reconcileId = span.spanContext().spanId;
        await new Promise((r) => setTimeout(r, 1));
        tracer.startSpan('update status').end();
      },
    );
    await provider.shutdown();
    const spans = (
      await collector.waitFor(
        (s) => s.filter((x) => x.resource['service.instance.id'] === 'parentage-1').length === 2,
      )
    ).filter((x) => x.resource['service.instance.id'] === 'parentage-1');
    const reconcile = spans.find((s) => s.name === 'Reconcile memcached')!;
    const child = spans.find((s) => s.name === 'update status')!;
    expect(reconcile.spanId).toBe(reconcileId);
    expect(reconcile.parentSpanId ?? '').toBe('');
    expect(child.parentSpanId).toBe(reconcile.spanId);
    expect(child.traceId).toBe(reconcile.traceId);
    expect(reconcile.resource['service.name']).toBe('memcached-operator');
    expect(reconcile.resource['telemetry.sdk.language']).toBe('nodejs');
    expect(otlpAttribute(reconcile.attributes, 'k8s.namespace.name')).toBe('prod');
    expect(otlpAttribute(reconcile.attributes, 'k8s.object.name')).toBe('cache');
  });

  it('samples 400-600 of 1000 root spans at 500000 per million, and exports exactly those', async () => {
    const memory = new InMemorySpanExporter();
    const provider = await createTracingProvider(config(500_000), {
      serviceName: 'sampling',
      serviceInstanceId: 'sampling-1',
      register: false,
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('operator');
    for (let i = 0; i < 1000; i++) tracer.startSpan(`root-${i}`).end();
    const sampled = memory.getFinishedSpans().map((s) => s.spanContext().spanId);
    expect(sampled.length).toBeGreaterThanOrEqual(400);
    expect(sampled.length).toBeLessThanOrEqual(600);
    await provider.shutdown();
    const arrived = (
      await collector.waitFor(
        (s) => s.filter((x) => x.resource['service.instance.id'] === 'sampling-1').length >= sampled.length,
      )
    ).filter((x) => x.resource['service.instance.id'] === 'sampling-1');
    expect(arrived.map((s) => s.spanId).sort()).toEqual([...sampled].sort());
  });

  it('at rate 0 continues a sampled remote parent and drops an unsampled one', async () => {
    const provider = await createTracingProvider(config(), {
      serviceName: 'parent-based',
      serviceInstanceId: 'parent-based-1',
      register: false,
    });
    const tracer = provider.getTracer('operator');
    const remote = (traceId: string, flags: TraceFlags) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: '00f067aa0ba902b7',
        traceFlags: flags,
        isRemote: true,
      });
    const sampledTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const unsampledTrace = '5bf92f3577b34da6a3ce929d0e0e4736';
    tracer.startSpan('continued', {}, remote(sampledTrace, TraceFlags.SAMPLED)).end();
    tracer.startSpan('dropped', {}, remote(unsampledTrace, TraceFlags.NONE)).end();
    tracer.startSpan('root-at-zero').end();
    await provider.shutdown();
    const spans = (
      await collector.waitFor((s) => s.some((x) => x.resource['service.instance.id'] === 'parent-based-1'))
    ).filter((x) => x.resource['service.instance.id'] === 'parent-based-1');
    // All three ended before the one flush at shutdown: absence is meaningful.
    expect(spans.map((s) => s.name)).toEqual(['continued']);
    expect(spans[0]!.traceId).toBe(sampledTrace);
    expect(spans[0]!.parentSpanId).toBe('00f067aa0ba902b7');
    expect(collector.spans().some((s) => s.traceId === unsampledTrace)).toBe(false);
  });

  it('delivers spans ended just before shutdown (no explicit flush)', async () => {
    const provider = await createTracingProvider(config(1_000_000), {
      serviceName: 'shutdown',
      serviceInstanceId: 'shutdown-1',
      register: false,
    });
    const tracer = provider.getTracer('operator');
    // The batch processor would wait 5 s before exporting these; shutdown must not.
    for (let i = 0; i < 25; i++) tracer.startSpan(`last-${i}`).end();
    await provider.shutdown();
    // The collector has them once shutdown resolves; its file exporter writes them within 100 ms.
    const mine = (s: ReturnType<RunningCollector['spans']>) =>
      s.filter((x) => x.resource['service.instance.id'] === 'shutdown-1');
    const spans = mine(await collector.waitFor((s) => mine(s).length >= 25));
    expect(spans.map((s) => s.name).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `last-${i}`).sort());
  });
});
