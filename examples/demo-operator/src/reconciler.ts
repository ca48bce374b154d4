import type { Reconciler } from '@kubediag/controller';
import { CHECKSUM_ANNOTATION, checksumOf } from './checksum.ts';
import type { ConfigMapSource } from './config-map-source.ts';

/** Keeps each watched ConfigMap's checksum annotation equal to the checksum of its data. */
export function createChecksumReconciler(source: ConfigMapSource): Reconciler {
  return async (request, log) => {
    const cm = source.get(request.namespace, request.name);
    if (!cm) {
      log.V(4).info('ConfigMap is gone, nothing to do');
      return;
    }
    const want = checksumOf(cm.data, cm.binaryData);
    const have = cm.annotations?.[CHECKSUM_ANNOTATION];
    if (have === want) {
      log.V(5).info('Checksum up to date', { checksum: want });
      return;
    }
    log.V(2).info('Updating checksum', {
      from: have ?? '<none>',
      to: want,
      keys: Object.keys(cm.data ?? {}).length,
    });
    await source.annotate(request.namespace, request.name, CHECKSUM_ANNOTATION, want);
  };
}
