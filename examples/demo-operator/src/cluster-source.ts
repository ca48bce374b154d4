import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { WATCH_LABEL } from './checksum.ts';
import type { ConfigMapSource, ConfigMapView } from './config-map-source.ts';

/** ConfigMaps labelled `demo.kubediag.dev/watch` in every namespace, through a client-node informer. */
export async function createClusterSource(kc: KubeConfig): Promise<ConfigMapSource> {
  const k8s = await import('@kubernetes/client-node');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const labelSelector = WATCH_LABEL;
  const informer = k8s.makeInformer<V1ConfigMap>(
    kc,
    '/api/v1/configmaps',
    () => core.listConfigMapForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  let synced = false;

  const view = (cm: V1ConfigMap): ConfigMapView => ({
    namespace: cm.metadata?.namespace ?? '',
    name: cm.metadata?.name ?? '',
    ...(cm.data ? { data: cm.data } : {}),
    ...(cm.binaryData ? { binaryData: cm.binaryData } : {}),
    ...(cm.metadata?.annotations ? { annotations: cm.metadata.annotations } : {}),
  });

  return {
    get synced() {
      return synced;
    },
    async start(onChange) {
      const notify = (cm: V1ConfigMap) => onChange(cm.metadata?.namespace ?? '', cm.metadata?.name ?? '');
      informer.on('add', notify);
      informer.on('update', notify);
      informer.on('delete', notify);
      informer.on('error', () => {
        synced = false;
        // client-node's informer does not restart itself after a watch error.
        setTimeout(() => void informer.start().then(() => (synced = true)), 5000).unref();
      });
      await informer.start();
      synced = true;
    },
    get(namespace, name) {
      const cm = informer.get(name, namespace);
      return cm ? view(cm) : undefined;
    },
    async annotate(namespace, name, key, value) {
      await core.patchNamespacedConfigMap(
        { name, namespace, body: { metadata: { annotations: { [key]: value } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    },
    async stop() {
      await informer.stop();
    },
  };
}
