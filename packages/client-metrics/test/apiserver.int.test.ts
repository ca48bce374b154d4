// Against the real kube-apiserver of envtest, with client-node 1.4 as an operator uses it: what its
// requests, its watches and RBAC's answers look like in the client families.
import {
  CoreV1Api,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import {
  createNamespace,
  createServiceAccount,
  createToken,
  tokenKubeConfig,
  useControlPlane,
  type ControlPlane,
} from '@kubediag/envtest';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClientMetrics, type ClientMetrics } from '../src/index.ts';
import { metricValue, series } from './support/metric-values.ts';

let cp: ControlPlane;
let registry: Registry;
let metrics: ClientMetrics;
let ns: string;
let host: string;

beforeAll(async () => {
  cp = await useControlPlane();
  ns = await createNamespace(cp.kubeConfig);
  host = new URL(cp.url).host;
  registry = new Registry();
  metrics = createClientMetrics({ registry, kubeConfig: cp.kubeConfig, requestDuration: true });
});

afterAll(() => metrics?.close());

const total = (labels: Record<string, string>) => metricValue(registry, 'rest_client_requests_total', labels);
const byVerb = (labels: Record<string, string>) =>
  metricValue(registry, 'kubediag_rest_client_requests_total', labels);

describe('requests to a real kube-apiserver', () => {
  it('counts creates, gets, lists, watches and patches with their codes, as client-go and as the apiserver names them', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(cp.kubeConfig, `/api/v1/namespaces/${ns}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: ns }),
    );
    const health = metrics.observeInformer('int-configmaps', informer);
    try {
      await informer.start();
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'a' }, data: { k: 'v' } },
      });
      await core.readNamespacedConfigMap({ name: 'a', namespace: ns });
      await core.patchNamespacedConfigMap(
        { name: 'a', namespace: ns, body: { data: { k: 'w' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await expect(core.readNamespacedConfigMap({ name: 'missing', namespace: ns })).rejects.toThrow();
      await vi.waitFor(async () =>
        expect(
          await metricValue(registry, 'kubediag_informer_watch_events_total', {
            informer: 'int-configmaps',
            type: 'MODIFIED',
          }),
        ).toBe(1),
      );

      const configMaps = { group: '', resource: 'configmaps', subresource: '' };
      expect(await byVerb({ code: '201', verb: 'POST', ...configMaps })).toBe(1);
      expect(await byVerb({ code: '200', verb: 'GET', ...configMaps })).toBe(1);
      expect(await byVerb({ code: '404', verb: 'GET', ...configMaps })).toBe(1);
      expect(await byVerb({ code: '200', verb: 'LIST', ...configMaps })).toBe(1);
      expect(await byVerb({ code: '200', verb: 'WATCH', ...configMaps })).toBe(1);
      expect(await byVerb({ code: '200', verb: 'PATCH', ...configMaps })).toBe(1);
      expect(await total({ code: '201', method: 'POST', host })).toBeGreaterThanOrEqual(1);
      expect(await total({ code: '200', method: 'PATCH', host })).toBe(1);
      expect(await total({ code: '404', method: 'GET', host })).toBe(1);
      // GET + LIST + WATCH, and whatever else of this process went to the apiserver meanwhile.
      expect(await total({ code: '200', method: 'GET', host })).toBeGreaterThanOrEqual(3);
      expect(
        await metricValue(registry, 'kubediag_informer_watch_events_total', {
          informer: 'int-configmaps',
          type: 'ADDED',
        }),
      ).toBe(1);
      expect(health.status().phase).toBe('up');
      expect(() => health.check()).not.toThrow();

      // Durations: every request but the watch.
      const text = await registry.metrics();
      expect(text).toMatch(
        new RegExp(`rest_client_request_duration_seconds_count\\{verb="PATCH",host="${host}"\\} 1\\n`),
      );
    } finally {
      await informer.stop();
      health.unobserve();
    }
  });

  it('counts what RBAC refuses as 403', async () => {
    await createServiceAccount(cp.kubeConfig, ns, 'nobody');
    const nobody = await tokenKubeConfig(cp, await createToken(cp.kubeConfig, ns, 'nobody'));
    await expect(
      nobody.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns }),
    ).rejects.toThrow();
    expect(await total({ code: '403', method: 'GET', host })).toBe(1);
    expect(
      await byVerb({ code: '403', verb: 'LIST', group: '', resource: 'configmaps', subresource: '' }),
    ).toBe(1);
  });

  it('counts a refused connection as <error>, in the registry of the instance that counts that host', async () => {
    const other = new Registry();
    const down = createClientMetrics({ registry: other, servers: ['https://127.0.0.1:9'] });
    try {
      const kc = await tokenKubeConfig({ url: 'https://127.0.0.1:9', caPem: cp.caPem }, 'x');
      await expect(kc.makeApiClient(CoreV1Api).listNamespace()).rejects.toThrow();
      expect(
        await metricValue(other, 'rest_client_requests_total', {
          code: '<error>',
          method: 'GET',
          host: '127.0.0.1:9',
        }),
      ).toBe(1);
      expect(await series(registry, 'rest_client_requests_total')).not.toContainEqual(
        expect.objectContaining({ labels: expect.objectContaining({ host: '127.0.0.1:9' }) }),
      );
    } finally {
      down.close();
    }
  });
});
