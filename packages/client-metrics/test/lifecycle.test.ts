import { channel } from 'node:diagnostics_channel';
import { CoreV1Api, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientMetrics } from '../src/index.ts';
import { plainHttpKubeConfig } from './support/kube-config.ts';

const CHANNELS = [
  'http.client.request.start',
  'http.client.response.finish',
  'http.client.request.error',
  'undici:request:create',
  'undici:request:headers',
  'undici:request:trailers',
  'undici:request:error',
];

describe('what close() closes', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens no timer, socket or handle; close() leaves the channels and gives informers back', () => {
    vi.useFakeTimers();
    const before = process.getActiveResourcesInfo();
    const kc = plainHttpKubeConfig('http://127.0.0.1:1');
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/configmaps', () =>
      kc.makeApiClient(CoreV1Api).listConfigMapForAllNamespaces(),
    );
    const m = createClientMetrics({ registry: new Registry(), kubeConfig: kc, requestDuration: true });
    m.observeInformer('configmaps', informer);
    m.leaderElection('lock').onStartedLeading();
    for (const name of CHANNELS) expect(channel(name).hasSubscribers, name).toBe(true);

    m.close();
    for (const name of CHANNELS) expect(channel(name).hasSubscribers, name).toBe(false);
    expect(Object.hasOwn((informer as unknown as { watch: object }).watch, 'watch')).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(process.getActiveResourcesInfo()).toEqual(before);
  });
});
