import type { Logger } from '@kubediag/klog';
import type { Registry } from 'prom-client';
import { createReconcileMetrics, type ReconcileResult } from './reconcile-metrics.ts';
import { createWorkQueue, type WorkQueue } from './work-queue.ts';

/** A reconcile request: the namespace/name of the object to bring to its desired state. */
export interface ReconcileRequest {
  readonly namespace: string;
  readonly name: string;
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

/** An error that retrying cannot fix: counted in `controller_runtime_terminal_reconcile_errors_total`, not requeued. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export interface ControllerOptions {
  /** Controller name: the `controller` label of every metric and the logger's name. */
  name: string;
  reconcile: Reconciler;
  logger: Logger;
  registry?: Registry;
  /** @default 1 */
  maxConcurrentReconciles?: number;
  span?: ReconcileSpan;
}

export interface Controller {
  /** Queues a reconcile of `namespace/name` (merged with one already waiting). */
  enqueue(request: ReconcileRequest): void;
  readonly queue: WorkQueue;
  /** Starts the workers; resolves when they have all stopped after `stop()`. */
  start(): Promise<void>;
  /** Stops taking new work; in-flight reconciles finish. */
  stop(): Promise<void>;
}

/**
 * A controller loop in the shape of controller-runtime's: a de-duplicating work queue, N workers,
 * per-key exponential backoff on errors, and reconcile and work-queue metrics under
 * controller-runtime's names, so kubebuilder dashboards and alerts work unchanged.
 */
export function createController(options: ControllerOptions): Controller {
  const { name, reconcile } = options;
  const workers = options.maxConcurrentReconciles ?? 1;
  const log = options.logger.withName(name);
  const registry = options.registry;
  const queue = createWorkQueue({ name, ...(registry ? { registry } : {}) });
  const metrics = registry
    ? createReconcileMetrics({ controller: name, registry, maxConcurrentReconciles: workers })
    : undefined;
  const span: ReconcileSpan = options.span ?? ((_request, fn) => fn());
  let running: Promise<void> | undefined;

  async function processOne(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const request = { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
    const reqLog = log.withValues({ namespace: request.namespace, name: request.name });
    const run = () => reconcile(request, reqLog);
    try {
      const result = await span({ ...request, controller: name }, () =>
        metrics ? metrics.observe(run) : run(),
      );
      queue.forget(key);
      if (result && result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        queue.addAfter(key, result.requeueAfterMs);
      } else if (result?.requeue) {
        queue.addRateLimited(key);
      }
      reqLog.V(4).info('Reconcile done');
    } catch (err) {
      if (err instanceof TerminalError) {
        metrics?.terminalError();
        queue.forget(key);
        reqLog.error(err, 'Reconciler error, not retrying');
      } else {
        queue.addRateLimited(key);
        reqLog.error(err, 'Reconciler error');
      }
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await processOne(key);
      } finally {
        queue.done(key);
      }
    }
  }

  return {
    queue,
    enqueue(request) {
      queue.add(`${request.namespace}/${request.name}`);
    },
    start() {
      if (!running) {
        log.V(1).info('Starting workers', { workerCount: workers });
        running = Promise.all(Array.from({ length: workers }, worker)).then(() => undefined);
      }
      return running;
    },
    async stop() {
      queue.shutDown();
      await running;
      log.V(1).info('All workers finished');
    },
  };
}
