import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from './metric-registry.ts';

/** controller-runtime's reconcile-time buckets, so existing dashboards' quantiles line up. */
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** The outcome of one reconcile, as controller-runtime labels it in `controller_runtime_reconcile_total`. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

/** What a reconcile function may return: nothing (done), or a request to run again. */
export interface ReconcileResult {
  /** Run again soon (rate-limited). */
  requeue?: boolean;
  /** Run again after this many milliseconds. */
  requeueAfterMs?: number;
}

/**
 * Records reconciles of one controller under controller-runtime's metric names and labels
 * (`controller_runtime_reconcile_total{controller,result}`, `..._errors_total`,
 * `..._terminal_reconcile_errors_total`, `..._panics_total`, `..._reconcile_time_seconds`,
 * `..._max_concurrent_reconciles`, `..._active_workers`), so Grafana dashboards built for kubebuilder
 * operators work unchanged.
 */
export interface ReconcileMetrics {
  /** Runs `reconcile`, timing it and counting its result; rethrows what it throws. */
  observe<T extends ReconcileResult | void>(reconcile: () => Promise<T>): Promise<T>;
  /** Counts an error the reconciler marked as terminal (not retried). */
  terminalError(): void;
}

export interface ReconcileMetricsOptions {
  /** The controller label (controller-runtime uses the controller's name). */
  controller: string;
  registry: Registry;
  /** Value of `controller_runtime_max_concurrent_reconciles`. @default 1 */
  maxConcurrentReconciles?: number;
}

export function createReconcileMetrics(options: ReconcileMetricsOptions): ReconcileMetrics {
  const { controller, registry } = options;
  const total = counter(
    registry,
    'controller_runtime_reconcile_total',
    'Total number of reconciliations per controller',
    ['controller', 'result'],
  );
  const errors = counter(
    registry,
    'controller_runtime_reconcile_errors_total',
    'Total number of reconciliation errors per controller',
    ['controller'],
  );
  const terminal = counter(
    registry,
    'controller_runtime_terminal_reconcile_errors_total',
    'Total number of terminal reconciliation errors per controller',
    ['controller'],
  );
  const panics = counter(
    registry,
    'controller_runtime_reconcile_panics_total',
    'Total number of reconciliation panics per controller',
    ['controller'],
  );
  const time = histogram(
    registry,
    'controller_runtime_reconcile_time_seconds',
    'Length of time per reconciliation per controller',
    ['controller'],
    RECONCILE_TIME_BUCKETS,
  );
  const workers = gauge(
    registry,
    'controller_runtime_max_concurrent_reconciles',
    'Maximum number of concurrent reconciles per controller',
    ['controller'],
  );
  const active = gauge(
    registry,
    'controller_runtime_active_workers',
    'Number of currently used workers per controller',
    ['controller'],
  );

  workers.set({ controller }, options.maxConcurrentReconciles ?? 1);
  active.set({ controller }, 0);
  // Initialise every series at zero, as controller-runtime does, so rate() works from the first scrape.
  for (const result of ['success', 'error', 'requeue', 'requeue_after'] as const)
    total.inc({ controller, result }, 0);
  errors.inc({ controller }, 0);
  terminal.inc({ controller }, 0);
  panics.inc({ controller }, 0);

  return {
    async observe(reconcile) {
      const start = process.hrtime.bigint();
      active.inc({ controller });
      try {
        const result = await reconcile();
        total.inc({ controller, result: resultLabel(result) });
        return result;
      } catch (err) {
        total.inc({ controller, result: 'error' });
        errors.inc({ controller });
        // A TypeError/RangeError from our own code is the closest thing Node has to a Go panic.
        if (err instanceof TypeError || err instanceof RangeError) panics.inc({ controller });
        throw err;
      } finally {
        active.dec({ controller });
        time.observe({ controller }, Number(process.hrtime.bigint() - start) / 1e9);
      }
    },
    terminalError() {
      terminal.inc({ controller });
    },
  };
}

function resultLabel(result: ReconcileResult | void): ReconcileResultLabel {
  if (result && result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) return 'requeue_after';
  if (result && result.requeue) return 'requeue';
  return 'success';
}
