export { createClientMetrics } from './client-metrics.ts';
export type { ClientMetrics } from './client-metrics.ts';
export { resolveClientMetricsOptions, validateClientMetricsOptions } from './options.ts';
export type {
  ClientMetricsOptions,
  InformerHealthOptions,
  ResolvedClientMetricsOptions,
  ResolvedInformerHealthOptions,
} from './options.ts';
export type { InformerHealth, InformerStatus, ObservableInformer, WatchPhase } from './informer-health.ts';
export type { LeaderElection } from './leader-election.ts';
export type { KubeConfigLike } from './apiserver-hosts.ts';
export { ClientMetricsError, ClientMetricsErrorCode, isClientMetricsError } from './errors.ts';
