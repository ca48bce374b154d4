export { withDiagnostics } from './with-diagnostics.ts';
export type { Diagnostics, DiagnosticsConfig } from './with-diagnostics.ts';
export type {
  DiagnosticsAuthOptions,
  DiagnosticsMetricsOptions,
  DiagnosticsOptionProblem,
  DiagnosticsOptions,
  DiagnosticsPortOptions,
  DiagnosticsTracingOptions,
  StaticAuthOptions,
} from './options.ts';
export { parseDiagnosticsFlags, formatDiagnosticsUsage } from './flags/parse-flags.ts';
export type { DiagnosticsFlagValues, ParsedDiagnosticsFlags } from './flags/parse-flags.ts';
export { diagnosticsOptionsFromFlags } from './flags/options-from-flags.ts';
export { DIAGNOSTICS_FLAGS } from './flags/flag-spec.ts';
export type { FlagSpec } from './flags/flag-spec.ts';
export { createStaticReviewClient } from './static-auth/static-review-client.ts';
export { parseTokenFile } from './static-auth/token-file.ts';
export type { StaticTokenEntry } from './static-auth/token-file.ts';
export type { StaticRule } from './static-auth/static-rules.ts';
export { createController, TerminalError } from './controller/controller.ts';
export type {
  Controller,
  ControllerOptions,
  ReconcileRequest,
  ReconcileSpan,
  Reconciler,
} from './controller/controller.ts';
export { createReconcileMetrics } from './controller/reconcile-metrics.ts';
export type {
  ReconcileMetrics,
  ReconcileMetricsOptions,
  ReconcileResult,
  ReconcileResultLabel,
} from './controller/reconcile-metrics.ts';
export { createWorkQueue } from './controller/work-queue.ts';
export type { WorkQueue, WorkQueueOptions } from './controller/work-queue.ts';
export { DiagnosticsConfigError, DiagnosticsError } from './errors.ts';
export type { DiagnosticsErrorCode, FieldError } from './errors.ts';
