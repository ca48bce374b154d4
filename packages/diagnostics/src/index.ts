export { withDiagnostics } from './with-diagnostics.ts';
export type {
  Diagnostics,
  DiagnosticsConfig,
  DiagnosticsControllerOptions,
  DiagnosticsReadinessOptions,
} from './with-diagnostics.ts';
export { resolveDiagnosticsOptions, validateDiagnosticsOptions } from './options.ts';
export type {
  DefaultMetricsOptions,
  DiagnosticsAuthOptions,
  DiagnosticsClientMetricsOptions,
  DiagnosticsMetricsOptions,
  DiagnosticsOptions,
  DiagnosticsPortOptions,
  DiagnosticsProfilingOptions,
  DiagnosticsTracingOptions,
  ResolvedDiagnosticsClientMetricsOptions,
  ResolvedDiagnosticsMetricsOptions,
  ResolvedDiagnosticsOptions,
  ResolvedDiagnosticsTracingOptions,
  ResolvedStaticAuthOptions,
  StaticAuthOptions,
} from './options.ts';
export type { StaticRule } from './static-auth/static-rules.ts';
export { diagnosticsOptionsFromFlags } from './flags/options-from-flags.ts';
export { formatDiagnosticsUsage, parseDiagnosticsFlags } from './flags/parse-flags.ts';
export type { DiagnosticsFlagValues, ParsedDiagnosticsFlags } from './flags/parse-flags.ts';
export { DiagnosticsError, DiagnosticsErrorCode, isDiagnosticsError } from './errors.ts';
// The controller API is @kubediag/controller's; these two types are in the handle's signature.
export type { Controller, ControllerOptions } from '@kubediag/controller';
// The client-metrics API is @kubediag/client-metrics'; these types are in the handle's signature.
export type {
  InformerHealth,
  InformerStatus,
  LeaderElection,
  ObservableInformer,
} from '@kubediag/client-metrics';
