// register: true touches process-wide OpenTelemetry state, so it has a test file (process) of its own.
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { createTracingProvider } from '@kubediag/tracing-config';

describe('createTracingProvider with register: true (the default)', () => {
  it('installs the global provider, W3C trace-context + baggage propagation and async context', async () => {
    const memory = new InMemorySpanExporter();
    const provider = await createTracingProvider(
      { samplingRatePerMillion: 1_000_000, endpoint: '127.0.0.1:9' },
      { serviceName: 'global', spanProcessors: [new SimpleSpanProcessor(memory)], shutdownTimeoutMs: 100 },
    );
    expect(propagation.fields()).toEqual(expect.arrayContaining(['traceparent', 'tracestate', 'baggage']));
    const tracer = trace.getTracer('via-global-api');
    await tracer.startActiveSpan('outer', async (outer) => {
      await new Promise((r) => setTimeout(r, 1));
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      expect(carrier.traceparent).toBe(`00-${outer.spanContext().traceId}-${outer.spanContext().spanId}-01`);
      outer.end();
    });
    expect(memory.getFinishedSpans().map((s) => s.name)).toEqual(['outer']);
    await provider.shutdown().catch(() => undefined);
  });
});
