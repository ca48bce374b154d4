import { markValidated } from '@kubediag/options';
import {
  applyControllerOptions,
  resolveReconcileMetricsOptions,
  resolveWorkQueueOptions,
  type ControllerOptions,
} from './options.ts';
import { createReconcileMetrics } from './reconcile-metrics.ts';
import { TerminalError, type ReconcileRequest } from './reconciler.ts';
import { createWorkQueue, type WorkQueue } from './work-queue.ts';

/** A controller loop: its queue, and the workers that drain it. */
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
  const resolved = applyControllerOptions(options);
  const { name, reconcile, registry, span, maxConcurrentReconciles: workers } = resolved;
  const log = resolved.logger.withName(name);
  // The queue's and the metrics' options come from the controller's, validated just above: marked as
  // validated, they are not checked a second time.
  const queue = createWorkQueue(
    markValidated(resolveWorkQueueOptions({ name, ...(registry ? { registry } : {}) })),
  );
  const metrics = registry
    ? createReconcileMetrics(
        markValidated(
          resolveReconcileMetricsOptions({ controller: name, registry, maxConcurrentReconciles: workers }),
        ),
      )
    : undefined;
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
