// One TracingConfiguration file configures both a real kube-apiserver (--tracing-config-file) and
// the operator (loadTracingConfiguration), both exporting to the same real collector. A request
// made inside an operator span must show up as apiserver spans in the operator's trace.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startCollector,
  startControlPlane,
  type CollectedSpan,
  type ControlPlane,
  type RunningCollector,
} from '@kubediag/envtest';
import {
  createTracingProvider,
  installContextManager,
  loadTracingConfiguration,
  traceKubeConfig,
  withReconcileSpan,
  type TracingProvider,
} from '@kubediag/tracing-config';

let collector: RunningCollector;
let cp: ControlPlane;
let provider: TracingProvider;

beforeAll(async () => {
  installContextManager();
  collector = await startCollector();
  const file = join(collector.dir, 'tracing-config.yaml');
  // Rate 1e6 so the apiserver also samples requests it does not parent to ours (see the link test).
  writeFileSync(
    file,
    `apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\nendpoint: ${collector.endpoint}\nsamplingRatePerMillion: 1000000\n`,
  );
  cp = await startControlPlane({ extraApiServerArgs: [`--tracing-config-file=${file}`] });
  provider = await createTracingProvider(await loadTracingConfiguration(file), {
    serviceName: 'memcached-operator',
    serviceInstanceId: 'apiserver-int',
    register: false,
  });
});

afterAll(async () => {
  await provider?.shutdown().catch(() => undefined);
  await cp?.stop();
  await collector?.stop();
});

function apiserverSpans(spans: CollectedSpan[]): CollectedSpan[] {
  return spans.filter((s) => s.resource['service.name'] === 'apiserver');
}

function kubeConfigFor(certPem: string, keyPem: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'envtest', server: cp.url, caData: Buffer.from(cp.caPem).toString('base64') }],
    users: [
      {
        name: 'operator',
        certData: Buffer.from(certPem).toString('base64'),
        keyData: Buffer.from(keyPem).toString('base64'),
      },
    ],
    contexts: [{ name: 'operator', cluster: 'envtest', user: 'operator' }],
    currentContext: 'operator',
  });
  return kc;
}

describe('kube-apiserver joins the operator trace', () => {
  it('parents apiserver spans to the reconcile span for a system:masters client', async () => {
    const core = traceKubeConfig(cp.kubeConfig).makeApiClient(CoreV1Api);
    let traceId = '';
    let spanId = '';
    await withReconcileSpan(
      provider.getTracer('operator'),
      { controller: 'memcached', name: 'cache', namespace: 'default' },
      async (span) => {
        ({ traceId, spanId } = span.spanContext());
        await core.listNamespace();
      },
    );
    await provider.forceFlush();
    const spans = await collector.waitFor((s) =>
      apiserverSpans(s).some((x) => x.traceId === traceId && x.parentSpanId === spanId),
    );
    const inTrace = spans.filter((s) => s.traceId === traceId);
    const server = apiserverSpans(inTrace).find((s) => s.parentSpanId === spanId)!;
    expect(server.name).toBe('GET /api/v1/namespaces');
    expect(server.resource['service.instance.id']).toMatch(/^apiserver-/);
    // The apiserver's inner spans (filters, storage) hang below it in the same trace.
    expect(apiserverSpans(inTrace).map((s) => s.name)).toEqual(
      expect.arrayContaining(['authorization', 'List']),
    );
    // Our own span is in the same trace, from our resource.
    expect(inTrace.find((s) => s.spanId === spanId)?.resource['service.name']).toBe('memcached-operator');
  });

  it('links (does not parent) spans for an unprivileged client, as the apiserver distrusts its traceparent', async () => {
    const { certPem, keyPem } = await cp.issueClientCertificate('memcached-operator', []);
    const version = traceKubeConfig(kubeConfigFor(certPem, keyPem)).makeApiClient(VersionApi);
    let traceId = '';
    let spanId = '';
    await withReconcileSpan(
      provider.getTracer('operator'),
      { controller: 'memcached', name: 'cache' },
      async (span) => {
        ({ traceId, spanId } = span.spanContext());
        await version.getCode();
      },
    );
    await provider.forceFlush();
    const spans = await collector.waitFor((s) =>
      apiserverSpans(s).some((x) =>
        (x.links ?? []).some((l) => l.traceId === traceId && l.spanId === spanId),
      ),
    );
    const linked = apiserverSpans(spans).find((x) => (x.links ?? []).some((l) => l.spanId === spanId))!;
    expect(linked.traceId).not.toBe(traceId);
    expect(linked.parentSpanId ?? '').toBe('');
    expect(apiserverSpans(spans).some((x) => x.traceId === traceId)).toBe(false);
  });
});
