import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { CoreV1Api, createConfiguration, KubeConfig, ServerConfiguration } from '@kubernetes/client-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTracingProvider,
  injectTraceContext,
  installContextManager,
  traceKubeConfig,
  traceparentMiddleware,
  withReconcileSpan,
  type TracingProvider,
} from '@kubediag/tracing-config';

// A loopback stand-in for the apiserver that records request headers (the real apiserver is
// used in apiserver.int.test.ts).
let server: Server;
let url = '';
const seen: IncomingHttpHeaders[] = [];
let provider: TracingProvider;

beforeAll(async () => {
  installContextManager();
  provider = createTracingProvider(
    { samplingRatePerMillion: 1_000_000, endpoint: '127.0.0.1:9' },
    {
      serviceName: 'unit',
      register: false,
      spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())],
      shutdownTimeoutMs: 100,
    },
  );
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await provider.shutdown().catch(() => undefined);
});

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain http unless skipTLSVerify is set.
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('traceKubeConfig', () => {
  it('adds traceparent of the active span to API client requests, keeping authentication', async () => {
    seen.length = 0;
    const core = traceKubeConfig(kubeConfig()).makeApiClient(CoreV1Api);
    let ids = { traceId: '', spanId: '' };
    await withReconcileSpan(provider.getTracer('op'), { controller: 'c', name: 'n' }, async (span) => {
      ids = span.spanContext();
      await core.listNamespace();
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBe('Bearer secret-token');
    const match = TRACEPARENT.exec(String(seen[0]!.traceparent));
    expect(match?.[1]).toBe(ids.traceId);
    expect(match?.[2]).toBe(ids.spanId);
  });

  it('sends no traceparent outside a span, and leaves the original KubeConfig untouched', async () => {
    seen.length = 0;
    const kc = kubeConfig();
    const traced = traceKubeConfig(kc);
    await traced.makeApiClient(CoreV1Api).listNamespace();
    await provider.getTracer('op').startActiveSpan('s', async (span) => {
      await kc.makeApiClient(CoreV1Api).listNamespace();
      span.end();
    });
    expect(seen.map((h) => h.traceparent)).toEqual([undefined, undefined]);
    expect(traced.getCurrentCluster()?.server).toBe(url);
  });

  it('adds traceparent to fetch options used by watches and informers', async () => {
    const traced = traceKubeConfig(kubeConfig());
    await provider.getTracer('op').startActiveSpan('watch', async (span) => {
      const init = (await traced.applyToFetchOptions({})) as { headers: { get(k: string): string | null } };
      expect(init.headers.get('traceparent')).toMatch(new RegExp(`^00-${span.spanContext().traceId}-`));
      expect(init.headers.get('authorization')).toBe('Bearer secret-token');
      span.end();
    });
  });
});

describe('traceparentMiddleware', () => {
  it('adds traceparent through client-node promiseMiddleware', async () => {
    seen.length = 0;
    const kc = kubeConfig();
    const core = new CoreV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(url, {}),
        authMethods: { default: kc },
        promiseMiddleware: [traceparentMiddleware()],
      }),
    );
    let traceId = '';
    await provider.getTracer('op').startActiveSpan('reconcile', async (span) => {
      traceId = span.spanContext().traceId;
      await core.listNamespace();
      span.end();
    });
    expect(String(seen[0]!.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });
});

describe('injectTraceContext', () => {
  it('writes W3C traceparent and baggage for a given context', async () => {
    const { propagation, context } = await import('@opentelemetry/api');
    const headers: Record<string, string> = {};
    provider.getTracer('op').startActiveSpan('s', (span) => {
      const ctx = propagation.setBaggage(
        context.active(),
        propagation.createBaggage({ tenant: { value: 'a' } }),
      );
      injectTraceContext((k, v) => (headers[k] = v), ctx);
      span.end();
    });
    expect(headers.traceparent).toMatch(TRACEPARENT);
    expect(headers.baggage).toBe('tenant=a');
  });
});
