/** The part of a ConfigMap the operator reads. */
export interface ConfigMapView {
  readonly namespace: string;
  readonly name: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly binaryData?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Where ConfigMaps come from: a client-node informer against a real cluster, or the embedded
 * in-memory source the demo uses when no cluster is configured.
 */
export interface ConfigMapSource {
  /** Calls `onChange(namespace, name)` for every added, updated or deleted ConfigMap. */
  start(onChange: (namespace: string, name: string) => void): Promise<void>;
  /** True once the initial list has been delivered (the readiness check). */
  readonly synced: boolean;
  get(namespace: string, name: string): ConfigMapView | undefined;
  annotate(namespace: string, name: string, key: string, value: string): Promise<void>;
  stop(): Promise<void>;
}
