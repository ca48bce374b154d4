import type { Informer, KubeConfig, ObjectCache, V1ConfigMap } from '@kubernetes/client-node';
import { WATCH_LABEL } from './checksum.ts';
import type { ConfigMapSource, ConfigMapView } from './config-map-source.ts';

/** The informer createClusterSource runs, handed out before it starts so its watch can be observed. */
export type ConfigMapInformer = Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>;

/**
 * ConfigMaps labelled `demo.kubediag.dev/watch` in every namespace, through a client-node informer.
 * `observe` sees the informer before its first watch (withDiagnostics' observeInformer counts from it).
 */
export async function createClusterSource(
  kc: KubeConfig,
  observe?: (informer: ConfigMapInformer) => void,
): Promise<ConfigMapSource> {
  const k8s = await import('@kubernetes/client-node');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const labelSelector = WATCH_LABEL;
  const informer = k8s.makeInformer<V1ConfigMap>(
    kc,
    '/api/v1/configmaps',
    () => core.listConfigMapForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  observe?.(informer);
  let synced = false;
  // Bumped by every informer error: a restart whose start() saw one has not synced.
  let errors = 0;

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
        errors++;
        // client-node 1.x's informer does not restart itself after an error. Its start() resolves
        // after a failed list too (it reports the error instead), so that restart has not synced.
        setTimeout(() => {
          const before = errors;
          void informer.start().then(() => {
            if (errors === before) synced = true;
          });
        }, 5000).unref();
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
