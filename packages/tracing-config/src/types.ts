/** The apiVersions kube-apiserver accepts for a TracingConfiguration file. */
export const TRACING_API_VERSIONS = [
  'apiserver.config.k8s.io/v1',
  'apiserver.config.k8s.io/v1beta1',
  'apiserver.config.k8s.io/v1alpha1',
] as const;

export type TracingApiVersion = (typeof TRACING_API_VERSIONS)[number];

/** The kind of a standalone tracing configuration file. */
export const TRACING_KIND = 'TracingConfiguration';

/** One million: `samplingRatePerMillion` is a rate out of this. */
export const MAX_SAMPLING_RATE_PER_MILLION = 1_000_000;

/**
 * Kubernetes' `TracingConfiguration` (component-base tracing/api/v1), as kube-apiserver reads it
 * from `--tracing-config-file` and the kubelet embeds it as `tracing:`.
 */
export interface TracingConfiguration {
  /** The file's apiVersion; absent for a block embedded in a larger configuration. */
  readonly apiVersion?: TracingApiVersion;
  /** `TracingConfiguration`; absent for an embedded block. */
  readonly kind?: typeof TRACING_KIND;
  /**
   * Collector to export spans to, as a gRPC target: `host:port` (plain gRPC, no TLS, like
   * Kubernetes), `dns:///host:port`, or `unix:///path`.
   * @default 'localhost:4317'
   */
  readonly endpoint?: string;
  /**
   * Root spans sampled per million (0 to 1,000,000). Unset or 0: a span is sampled only when its
   * parent is sampled.
   * @default unset
   */
  readonly samplingRatePerMillion?: number;
}
