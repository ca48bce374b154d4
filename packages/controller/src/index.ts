export { createController } from './controller.ts';
export type { Controller } from './controller.ts';
export { TerminalError } from './reconciler.ts';
export type { ReconcileRequest, ReconcileResult, ReconcileSpan, Reconciler } from './reconciler.ts';
export { createWorkQueue } from './work-queue.ts';
export type { WorkQueue } from './work-queue.ts';
export { createReconcileMetrics } from './reconcile-metrics.ts';
export type { ReconcileMetrics, ReconcileResultLabel } from './reconcile-metrics.ts';
export {
  resolveControllerOptions,
  resolveReconcileMetricsOptions,
  resolveWorkQueueOptions,
  validateControllerOptions,
  validateReconcileMetricsOptions,
  validateWorkQueueOptions,
} from './options.ts';
export type {
  BackoffOptions,
  ControllerOptions,
  ReconcileMetricsOptions,
  ResolvedControllerOptions,
  ResolvedReconcileMetricsOptions,
  ResolvedWorkQueueOptions,
  WorkQueueOptions,
} from './options.ts';
export { ControllerError, ControllerErrorCode, isControllerError } from './errors.ts';
