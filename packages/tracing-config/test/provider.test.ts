import { createServer, type Server } from 'node:net';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTracingProvider,
  installContextManager,
  resolveTracingProviderOptions,
  validateTracingProviderOptions,
  TracingError,
  type TracingConfiguration,
} from '@kubediag/tracing-config';

// A port nothing listens on: bind, remember, close.
let closedPort = 0;
beforeAll(async () => {
  installContextManager();
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
});

async function local(config: TracingConfiguration, instance: string) {
  const memory = new InMemorySpanExporter();
  const provider = await createTracingProvider(
    { endpoint: `127.0.0.1:${closedPort}`, ...config },
    {
      serviceName: 'unit',
      serviceInstanceId: instance,
      register: false,
      spanProcessors: [new SimpleSpanProcessor(memory)],
      shutdownTimeoutMs: 200,
    },
  );
  return { provider, memory, tracer: provider.getTracer('unit') };
}

// Providers pointed at a closed port cannot flush; their shutdown failures are not under test here.
const stopped: Promise<unknown>[] = [];
function discard(p: Promise<unknown>): void {
  stopped.push(p.catch(() => undefined));
}
afterAll(async () => {
  await Promise.all(stopped);
});

describe('createTracingProvider', () => {
  it('returns a no-op provider without configuration: spans are not recorded', async () => {
    const provider = await createTracingProvider(undefined, { serviceName: 'op', register: false });
    expect(provider.enabled).toBe(false);
    const span = provider.getTracer('t').startSpan('x');
    expect(span.isRecording()).toBe(false);
    span.end();
    await expect(provider.shutdown()).resolves.toBeUndefined();
  });

  it('uses ParentBased(TraceIdRatioBased(n/1e6)), or ParentBased(AlwaysOff) when unset or 0', async () => {
    const { provider: a } = await local({ samplingRatePerMillion: 100 }, 'a');
    expect(a.sampler).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0\.0001\}/);
    const { provider: b } = await local({}, 'b');
    expect(b.sampler).toMatch(/^ParentBased\{root=AlwaysOffSampler/);
    const { provider: c } = await local({ samplingRatePerMillion: 0 }, 'c');
    expect(c.sampler).toMatch(/^ParentBased\{root=AlwaysOffSampler/);
    for (const p of [a.shutdown(), b.shutdown(), c.shutdown()]) discard(p);
  });

  it('dials a scheme-less endpoint as plain gRPC (http://), like Kubernetes', async () => {
    const { provider } = await local({ endpoint: 'collector.observability:4317' }, 'e');
    expect(provider.endpoint).toBe('http://collector.observability:4317');
    discard(provider.shutdown());
    const defaults = await createTracingProvider(
      {},
      { serviceName: 'x', register: false, shutdownTimeoutMs: 100 },
    );
    expect(defaults.endpoint).toBe('http://localhost:4317');
    discard(defaults.shutdown());
  });

  it('samples about half of 1000 root spans at 500000 per million', async () => {
    const { provider, memory, tracer } = await local({ samplingRatePerMillion: 500_000 }, 'ratio');
    for (let i = 0; i < 1000; i++) tracer.startSpan(`root-${i}`).end();
    const sampled = memory.getFinishedSpans().length;
    expect(sampled).toBeGreaterThanOrEqual(400);
    expect(sampled).toBeLessThanOrEqual(600);
    discard(provider.shutdown());
  });

  it('at rate 0 continues a sampled remote parent and drops an unsampled one and roots', async () => {
    const { provider, memory, tracer } = await local({}, 'parent');
    const remote = (flags: TraceFlags) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId:
          flags === TraceFlags.SAMPLED
            ? '0af7651916cd43dd8448eb211c80319c'
            : '1af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: flags,
        isRemote: true,
      });
    tracer.startSpan('from-sampled', {}, remote(TraceFlags.SAMPLED)).end();
    tracer.startSpan('from-unsampled', {}, remote(TraceFlags.NONE)).end();
    tracer.startSpan('root').end();
    const names = memory.getFinishedSpans().map((s) => s.name);
    expect(names).toEqual(['from-sampled']);
    expect(memory.getFinishedSpans()[0]!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    discard(provider.shutdown());
  });

  it('sets service.name, service.instance.id and extra resource attributes', async () => {
    const memory = new InMemorySpanExporter();
    const provider = await createTracingProvider(
      { samplingRatePerMillion: 1_000_000, endpoint: `127.0.0.1:${closedPort}` },
      {
        serviceName: 'memcached-operator',
        serviceInstanceId: 'memcached-operator-7d9f',
        resourceAttributes: { 'service.version': '1.2.3', 'service.name': 'ignored' },
        register: false,
        spanProcessors: [new SimpleSpanProcessor(memory)],
        shutdownTimeoutMs: 200,
      },
    );
    provider.getTracer('t').startSpan('x').end();
    const attributes = memory.getFinishedSpans()[0]!.resource.attributes;
    expect(attributes['service.name']).toBe('memcached-operator');
    expect(attributes['service.instance.id']).toBe('memcached-operator-7d9f');
    expect(attributes['service.version']).toBe('1.2.3');
    discard(provider.shutdown());
  });

  it('defaults service.instance.id to <serviceName>-<uuid>', () => {
    const resolved = resolveTracingProviderOptions({ serviceName: 'op' });
    expect(resolved.serviceInstanceId).toMatch(/^op-[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(resolved).toMatchObject({ shutdownTimeoutMs: 5000, exportTimeoutMs: 10_000, register: true });
  });

  it('bounds shutdown when the collector is unreachable and says why', async () => {
    const { provider, tracer } = await local({ samplingRatePerMillion: 1_000_000 }, 'unreachable');
    tracer.startSpan('lost').end();
    const error = await provider.shutdown().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TracingError);
    expect(['KDIAG_TRACING_SHUTDOWN_TIMEOUT', 'KDIAG_TRACING_EXPORT_FAILED']).toContain(
      (error as TracingError).code,
    );
    expect((error as Error).message).toContain(`http://127.0.0.1:${closedPort}`);
    // Idempotent: the same outcome again, no second export.
    await expect(provider.shutdown()).rejects.toBe(error);
  });

  it('refuses invalid options, listing every problem', async () => {
    await expect(
      createTracingProvider(
        {},
        { serviceName: '', shutdownTimeoutMs: -1, tls: { certFile: '/x' }, register: false },
      ),
    ).rejects.toThrow(expect.objectContaining({ code: 'KDIAG_TRACING_INVALID_OPTIONS' }));
    const problems = validateTracingProviderOptions(
      resolveTracingProviderOptions({
        serviceName: ' ',
        exportTimeoutMs: Number.NaN,
        tls: { keyFile: '/k' },
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(['serviceName', 'exportTimeoutMs', 'tls.certFile']);
  });

  it('fails closed on unreadable TLS files and on unix-abstract endpoints', async () => {
    await expect(
      createTracingProvider(
        {},
        { serviceName: 'x', register: false, tls: { caFile: '/nonexistent/ca.pem' } },
      ),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'KDIAG_TRACING_TLS_UNREADABLE',
        message: expect.stringContaining('/nonexistent/ca.pem'),
      }),
    );
    await expect(
      createTracingProvider({ endpoint: 'unix-abstract:///otel' }, { serviceName: 'x', register: false }),
    ).rejects.toThrow(expect.objectContaining({ code: 'KDIAG_TRACING_ENDPOINT_UNSUPPORTED' }));
  });

  it('keeps the active span across awaits once the context manager is installed', async () => {
    const { provider, memory, tracer } = await local({ samplingRatePerMillion: 1_000_000 }, 'ctx');
    await tracer.startActiveSpan('outer', async (outer) => {
      await new Promise((r) => setTimeout(r, 1));
      tracer.startSpan('inner').end();
      outer.end();
    });
    const [inner, outer] = memory.getFinishedSpans();
    expect(inner!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(context.active()).toBe(ROOT_CONTEXT);
    discard(provider.shutdown());
  });
});
