import { CoreV1Api, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createClientMetrics,
  isClientMetricsError,
  type ClientMetrics,
  type InformerHealthOptions,
} from '../src/index.ts';
import { configMap, startFakeApiserver, type FakeApiserver } from './support/fake-apiserver.ts';
import { plainHttpKubeConfig } from './support/kube-config.ts';
import { metricValue } from './support/metric-values.ts';

let api: FakeApiserver;
let registry: Registry;
let metrics: ClientMetrics;
const informers: { stop(): Promise<void> }[] = [];

function configMapInformer() {
  const kc = plainHttpKubeConfig(api.url);
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/configmaps', () =>
    core.listConfigMapForAllNamespaces(),
  );
  informers.push(informer);
  return informer;
}

function setup(informerOptions: InformerHealthOptions = {}) {
  metrics = createClientMetrics({ registry, requests: false, informers: informerOptions });
  return metrics;
}

const value = (name: string, labels: Record<string, string> = {}) =>
  metricValue(registry, name, { informer: 'configmaps', ...labels });

beforeEach(async () => {
  api = await startFakeApiserver();
  registry = new Registry();
});

afterEach(async () => {
  metrics?.close();
  for (const i of informers.splice(0)) await i.stop();
  await api.close();
});

describe('observeInformer with a client-node 1.x informer', () => {
  it('is waiting before the informer starts, up once its watch is established, with bookmarks asked for', async () => {
    const informer = configMapInformer();
    const health = setup().observeInformer('configmaps', informer);
    expect(health.status().phase).toBe('waiting');
    expect(() => health.check()).toThrow('watch of informer "configmaps" not established yet');
    expect(await value('kubediag_informer_watch_connected')).toBe(0);

    await informer.start();
    await vi.waitFor(() => expect(health.status().phase).toBe('up'));
    expect(() => health.check()).not.toThrow();
    expect(await value('kubediag_informer_watch_connected')).toBe(1);
    const watch = api.requests.find((r) => r.url.includes('watch=true'));
    expect(new URL(watch!.url, api.url).searchParams.get('allowWatchBookmarks')).toBe('true');
  });

  it('counts the watch events by type, bookmarks included, and records when the last came', async () => {
    const informer = configMapInformer();
    setup().observeInformer('configmaps', informer);
    await informer.start();
    await api.watchesOpened(1);
    const before = Date.now() / 1000;
    api.send({ type: 'ADDED', object: configMap('second', '11') });
    api.send({ type: 'MODIFIED', object: configMap('second', '12') });
    api.send({ type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: '13' } } });
    await vi.waitFor(async () =>
      expect(await value('kubediag_informer_watch_events_total', { type: 'BOOKMARK' })).toBe(1),
    );
    expect(await value('kubediag_informer_watch_events_total', { type: 'ADDED' })).toBe(1);
    expect(await value('kubediag_informer_watch_events_total', { type: 'MODIFIED' })).toBe(1);
    expect(await value('kubediag_informer_last_watch_event_timestamp_seconds')).toBeGreaterThanOrEqual(
      Math.floor(before),
    );
    // The informer still sees what it saw before.
    expect(informer.get('second', 'default')?.metadata?.resourceVersion).toBe('12');
    expect((informer as unknown as { latestResourceVersion(): string }).latestResourceVersion()).toBe('13');
  });

  it('counts a restart when the apiserver ends a watch and the informer watches again', async () => {
    const informer = configMapInformer();
    const health = setup().observeInformer('configmaps', informer);
    await informer.start();
    await api.watchesOpened(1);
    expect(await value('kubediag_informer_watch_restarts_total')).toBe(0);
    api.endWatches();
    await api.watchesOpened(2);
    await vi.waitFor(async () => expect(await value('kubediag_informer_watch_restarts_total')).toBe(1));
    await vi.waitFor(() => expect(health.status().phase).toBe('up'));
    expect(await value('kubediag_informer_errors_total')).toBe(0);
  });

  it('is down with a data-free reason when a watch fails, and counts the error', async () => {
    const informer = configMapInformer();
    const health = setup({ disconnectedAfterMs: 0 }).observeInformer('configmaps', informer);
    await informer.start();
    await api.watchesOpened(1);
    api.refuseWith = 500;
    api.endWatches();
    await vi.waitFor(async () => expect(await value('kubediag_informer_errors_total')).toBe(1));
    expect(health.status()).toMatchObject({ phase: 'down', lastError: 'HTTP 500' });
    expect(await value('kubediag_informer_watch_connected')).toBe(0);
    await vi.waitFor(() =>
      expect(() => health.check()).toThrow(
        /^watch of informer "configmaps" down for \d+\.\ds \(bound 0s\): HTTP 500$/,
      ),
    );

    // client-node 1.x does not restart after an error: the operator does, and the watch is up again.
    api.refuseWith = undefined;
    await informer.start();
    await vi.waitFor(() => expect(health.status().phase).toBe('up'));
    expect(() => health.check()).not.toThrow();
  });

  it('stays ready through a short disconnection, within disconnectedAfterMs', async () => {
    const informer = configMapInformer();
    const health = setup({ disconnectedAfterMs: 60_000 }).observeInformer('configmaps', informer);
    await informer.start();
    await api.watchesOpened(1);
    api.refuseWith = 503;
    api.endWatches();
    await vi.waitFor(() => expect(health.status().phase).toBe('down'));
    expect(() => health.check()).not.toThrow();
  });

  it('is silent when a watch that is up hears nothing for longer than silentAfterMs', async () => {
    const informer = configMapInformer();
    const health = setup({ silentAfterMs: 1 }).observeInformer('configmaps', informer);
    await informer.start();
    await vi.waitFor(() =>
      expect(() => health.check()).toThrow(
        /^watch of informer "configmaps" silent for \d+\.\ds \(bound 0\.001s\): no event or bookmark$/,
      ),
    );
    expect(health.status().phase).toBe('up');
    expect(health.status().silentForMs).toBeGreaterThan(1);

    const quiet = createClientMetrics({
      registry: new Registry(),
      requests: false,
      informers: { silentAfterMs: 0 },
    });
    const other = configMapInformer();
    const unbounded = quiet.observeInformer('other', other);
    await other.start();
    await vi.waitFor(() => expect(unbounded.status().phase).toBe('up'));
    await new Promise((r) => setTimeout(r, 5));
    expect(() => unbounded.check()).not.toThrow();
    quiet.close();
  });

  it('leaves the watch as client-node makes it with bookmarks: false', async () => {
    const informer = configMapInformer();
    setup({ bookmarks: false }).observeInformer('configmaps', informer);
    await informer.start();
    await api.watchesOpened(1);
    const watch = api.requests.find((r) => r.url.includes('watch=true'));
    expect(watch!.url).not.toContain('allowWatchBookmarks');
  });

  it('gives the informer back as it was on unobserve() and close()', async () => {
    const informer = configMapInformer();
    const own = (informer as unknown as { watch: object }).watch;
    const m = setup();
    const health = m.observeInformer('configmaps', informer);
    expect(Object.hasOwn(own, 'watch')).toBe(true);
    health.unobserve();
    expect(Object.hasOwn(own, 'watch')).toBe(false);
    expect(await value('kubediag_informer_watch_connected')).toBeUndefined();
    // Observed again (it is free now), then let go by close().
    m.observeInformer('configmaps-again', informer);
    m.close();
    expect(Object.hasOwn(own, 'watch')).toBe(false);
    await informer.start();
    await api.watchesOpened(1);
    expect(await value('kubediag_informer_watch_restarts_total', { informer: 'configmaps-again' })).toBe(0);
  });

  it('refuses what is not a client-node informer, an informer observed twice, a name in use', () => {
    const m = setup();
    const informer = configMapInformer();
    m.observeInformer('configmaps', informer);
    const refused = (fn: () => unknown, message: RegExp) => {
      try {
        fn();
      } catch (err) {
        expect(isClientMetricsError(err, 'KDIAG_CLIENT_METRICS_INVALID_ARGUMENT')).toBe(true);
        expect((err as Error).message).toMatch(message);
        return;
      }
      throw new Error('expected a ClientMetricsError');
    };
    refused(() => m.observeInformer('again', informer), /informer "again" is observed already/);
    refused(() => m.observeInformer('configmaps', configMapInformer()), /name "configmaps" is in use/);
    refused(
      () => m.observeInformer('x', { on() {}, off() {} }),
      /^observe informer: expected a @kubernetes\/client-node informer/,
    );
    refused(() => m.observeInformer('', configMapInformer()), /expected a non-empty name, got ""/);
  });
});
