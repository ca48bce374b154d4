// A watch that stalls: the real kube-apiserver of envtest behind a TCP relay that, told to, holds the
// watch's connection open and forwards nothing. client-node 1.x never times a watch out, so the informer
// waits forever on a stream that is up and empty; only the silence bound of observeInformer tells.
// A writer patches a ConfigMap every quarter second straight to the apiserver (not through the relay),
// so a healthy watch hears something far more often than the 2 s bound and a stalled one falls behind.
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { createNamespace, useControlPlane, type ControlPlane } from '@kubediag/envtest';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClientMetrics, type ClientMetrics } from '../src/index.ts';
import { metricValue } from './support/metric-values.ts';
import { startStallingProxy, type StallingProxy } from './support/stalling-proxy.ts';

const SILENT_AFTER_MS = 2_000;
/** Generous: the bound is 2 s, the machine is shared. Polled, never asserted as a timing. */
const DEADLINE = { timeout: 60_000, interval: 100 };
const TICKER = 'ticker';

let cp: ControlPlane;
let ns: string;
let proxy: StallingProxy;
let written = 0;
let writing = true;
let writer: Promise<void>;
let registry: Registry;
let metrics: ClientMetrics | undefined;
const informers: { stop(): Promise<void> }[] = [];

/** The admin of `cp`, with its server swapped for the relay's URL (its certificate is valid for both). */
function kubeConfigThrough(url: string): KubeConfig {
  const cluster = cp.kubeConfig.getCurrentCluster();
  const user = cp.kubeConfig.getCurrentUser();
  if (cluster === null || user === null) throw new Error('envtest kubeconfig without a cluster or user');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, server: url }],
    users: [user],
    contexts: [{ name: 'through-proxy', cluster: cluster.name, user: user.name }],
    currentContext: 'through-proxy',
  });
  return kc;
}

beforeAll(async () => {
  cp = await useControlPlane();
  ns = await createNamespace(cp.kubeConfig);
  proxy = await startStallingProxy(cp.url);
  const admin = cp.kubeConfig.makeApiClient(CoreV1Api);
  await admin.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: TICKER }, data: { n: '0' } },
  });
  writer = (async () => {
    while (writing) {
      try {
        await admin.patchNamespacedConfigMap(
          { name: TICKER, namespace: ns, body: { data: { n: String(written + 1) } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        written++;
      } catch {
        // A patch the busy apiserver failed is sent again on the next round.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
});

afterAll(async () => {
  writing = false;
  await writer;
  await proxy?.close();
});

afterEach(async () => {
  metrics?.close();
  for (const informer of informers.splice(0)) await informer.stop();
});

/** An informer on the ticker's namespace whose every request goes through the relay. */
function informerThroughProxy() {
  const kc = kubeConfigThrough(proxy.url);
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
    core.listNamespacedConfigMap({ namespace: ns }),
  );
  informers.push(informer);
  return informer;
}

function observe(informer: ReturnType<typeof informerThroughProxy>) {
  registry = new Registry();
  metrics = createClientMetrics({
    registry,
    kubeConfig: kubeConfigThrough(proxy.url),
    informers: { silentAfterMs: SILENT_AFTER_MS },
  });
  return metrics.observeInformer('stalled', informer);
}

/** The ticker's count as the informer's cache has it. */
const seen = (informer: ReturnType<typeof informerThroughProxy>): number =>
  Number(informer.get(TICKER, ns)?.data?.['n'] ?? -1);

const SILENT = /^watch of informer "stalled" silent for \d+\.\ds \(bound 2s\): no event or bookmark$/;

describe('a watch stalled behind a proxy (real kube-apiserver, client-node 1.4)', () => {
  it('fails the check as silent while the stream is held open with nothing on it, and passes once it flows again', async () => {
    const informer = informerThroughProxy();
    const health = observe(informer);
    await informer.start();
    await vi.waitFor(() => {
      expect(() => health.check()).not.toThrow();
      expect(seen(informer)).toBeGreaterThan(0);
    }, DEADLINE);

    expect(proxy.stall()).toBeGreaterThanOrEqual(1);
    const writtenAtStall = written;
    await vi.waitFor(() => {
      expect(() => health.check()).toThrow(SILENT);
      expect(written).toBeGreaterThan(writtenAtStall + 1);
    }, DEADLINE);
    // Not a disconnection: the watch is up, its socket open — and the informer is behind the apiserver.
    expect(health.status().phase).toBe('up');
    expect(await metricValue(registry, 'kubediag_informer_watch_connected', { informer: 'stalled' })).toBe(1);
    expect(seen(informer)).toBeLessThan(written);
    const writtenWhileSilent = written;

    proxy.resume();
    await vi.waitFor(() => {
      expect(() => health.check()).not.toThrow();
      expect(seen(informer)).toBeGreaterThanOrEqual(writtenWhileSilent);
    }, DEADLINE);
    // The same watch carried on: nothing restarted.
    expect(
      await metricValue(registry, 'kubediag_informer_watch_restarts_total', { informer: 'stalled' }),
    ).toBe(0);
  });

  it('passes again once the stalled stream is cut and the watch restarts', async () => {
    const informer = informerThroughProxy();
    // client-node 1.x does not restart an informer after an error; an operator does, as here.
    informer.on('error', () => void informer.start().catch(() => undefined));
    const health = observe(informer);
    await informer.start();
    await vi.waitFor(() => expect(() => health.check()).not.toThrow(), DEADLINE);

    expect(proxy.stall()).toBeGreaterThanOrEqual(1);
    await vi.waitFor(() => expect(() => health.check()).toThrow(SILENT), DEADLINE);

    const writtenAtCut = written;
    proxy.cut();
    await vi.waitFor(async () => {
      expect(
        await metricValue(registry, 'kubediag_informer_watch_restarts_total', { informer: 'stalled' }),
      ).toBeGreaterThanOrEqual(1);
      expect(health.status().phase).toBe('up');
      expect(() => health.check()).not.toThrow();
      expect(seen(informer)).toBeGreaterThanOrEqual(writtenAtCut);
    }, DEADLINE);
  });
});
