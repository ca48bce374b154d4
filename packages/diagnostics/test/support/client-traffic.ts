// Puts every client family of @kubediag/client-metrics on a registry with series, as an operator's
// would have them: a client-node informer lists and watches (one ADDED event) a local stand-in for the
// apiserver, with request durations on, and one leader election is won. For tests that read what the
// families and their labels are (the dashboard's), not how they count: that is client-metrics' own tests.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClientMetrics } from '@kubediag/client-metrics';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';

const CONFIG_MAP = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'n', resourceVersion: '2' },
};

/**
 * Runs the traffic and leaves its series on `registry`; the function it resolves with lets everything
 * go. Read the registry before calling it: an informer no longer observed takes its gauges away.
 */
export async function recordClientTraffic(registry: Registry): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (new URL(req.url ?? '/', 'http://stub').searchParams.get('watch') === 'true') {
      res.write(`${JSON.stringify({ type: 'ADDED', object: CONFIG_MAP })}\n`);
      return; // a watch stays open, as the apiserver's does
    }
    res.end(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMapList',
        metadata: { resourceVersion: '1' },
        items: [],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'stub',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u', token: 'not-a-secret' }],
    contexts: [{ name: 'stub', cluster: 'stub', user: 'u' }],
    currentContext: 'stub',
  });
  const clientMetrics = createClientMetrics({ registry, kubeConfig: kc, requestDuration: true });
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/n/configmaps', () =>
    core.listNamespacedConfigMap({ namespace: 'n' }),
  );
  clientMetrics.observeInformer('configmaps', informer);
  const added = new Promise<void>((resolve) => informer.on('add', () => resolve()));
  const release = async (): Promise<void> => {
    await informer.stop();
    // Leaves Node's diagnostics channels and gives the informer back.
    clientMetrics.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await informer.start();
    await added;
    clientMetrics.leaderElection('operator-lock').onStartedLeading();
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}
