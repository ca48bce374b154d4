// A provider for unit tests: every span sampled and kept in memory; its OTLP exporter points at a
// port nothing answers on (the discard port), so shutdown must not wait for it.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createTracingProvider, type TracingProvider } from '@kubediag/tracing-config';

export interface InMemoryProvider {
  readonly provider: TracingProvider;
  /** The spans ended so far. */
  readonly memory: InMemorySpanExporter;
  /** Shuts the provider down, ignoring that its exporter could not deliver. */
  close(): Promise<void>;
}

export async function createInMemoryProvider(): Promise<InMemoryProvider> {
  const memory = new InMemorySpanExporter();
  const provider = await createTracingProvider(
    { samplingRatePerMillion: 1_000_000, endpoint: '127.0.0.1:9' },
    {
      serviceName: 'unit',
      register: false,
      spanProcessors: [new SimpleSpanProcessor(memory)],
      shutdownTimeoutMs: 100,
    },
  );
  return { provider, memory, close: () => provider.shutdown().catch(() => undefined) };
}
