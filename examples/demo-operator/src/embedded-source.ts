import type { ConfigMapSource, ConfigMapView } from './config-map-source.ts';

/**
 * An in-memory stand-in for the apiserver, so `npm run demo` runs the real controller loop, metrics,
 * logs and spans with no cluster: it holds a few ConfigMaps and edits one every `editEveryMs`, as a
 * user would.
 */
export function createEmbeddedSource(options: { editEveryMs?: number } = {}): ConfigMapSource {
  const store = new Map<string, ConfigMapView>();
  const key = (ns: string, name: string) => `${ns}/${name}`;
  for (const [ns, name] of [
    ['default', 'app-settings'],
    ['default', 'feature-flags'],
    ['kube-public', 'cluster-info-mirror'],
  ] as const) {
    store.set(key(ns, name), { namespace: ns, name, data: { revision: '1', owner: name } });
  }
  let timer: NodeJS.Timeout | undefined;
  let synced = false;
  let revision = 1;

  return {
    get synced() {
      return synced;
    },
    async start(onChange) {
      for (const cm of store.values()) onChange(cm.namespace, cm.name);
      synced = true;
      timer = setInterval(() => {
        const all = [...store.values()];
        const cm = all[revision % all.length]!;
        revision++;
        store.set(key(cm.namespace, cm.name), { ...cm, data: { ...cm.data, revision: String(revision) } });
        onChange(cm.namespace, cm.name);
      }, options.editEveryMs ?? 5000);
      timer.unref();
    },
    get(ns, name) {
      return store.get(key(ns, name));
    },
    async annotate(ns, name, annotation, value) {
      const cm = store.get(key(ns, name));
      if (cm) store.set(key(ns, name), { ...cm, annotations: { ...cm.annotations, [annotation]: value } });
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
