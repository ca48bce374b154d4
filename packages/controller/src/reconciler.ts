import type { Logger } from '@kubediag/klog';

/** A reconcile request: the namespace/name of the object to bring to its desired state. */
export interface ReconcileRequest {
  readonly namespace: string;
  readonly name: string;
}

/** What a reconcile function may return: nothing (done), or a request to run again. */
export interface ReconcileResult {
  /** Run again soon (rate-limited). */
  readonly requeue?: boolean;
  /** Run again after this many milliseconds. */
  readonly requeueAfterMs?: number;
}

/**
 * Reconciles one object. Return nothing when done, `{ requeueAfterMs }` to look again later, or throw
 * to retry with backoff (a {@link TerminalError} is counted and not retried).
 */
export type Reconciler = (request: ReconcileRequest, log: Logger) => Promise<ReconcileResult | void>;

/** Wraps one reconcile in a span; `@kubediag/tracing-config`'s `withReconcileSpan` fits. */
export type ReconcileSpan = <T>(
  request: ReconcileRequest & { controller: string },
  fn: () => Promise<T>,
) => Promise<T>;

/**
 * An error that retrying cannot fix: counted in `controller_runtime_terminal_reconcile_errors_total`,
 * not requeued. A signal from a reconciler to the loop (controller-runtime's `reconcile.TerminalError`),
 * not a kubediag error: it carries no code.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}
