import { Histogram, type Registry } from 'prom-client';
import { counter, gauge, getOrRegister } from './internal/metric-registry.ts';
import { applyReconcileMetricsOptions, type ReconcileMetricsOptions } from './options.ts';
import type { ReconcileResult } from './reconciler.ts';

/** controller-runtime's reconcile-time buckets, so existing dashboards' quantiles line up. */
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** The outcome of one reconcile, as controller-runtime labels it in `controller_runtime_reconcile_total`. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

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

/** The reconcile metrics of one controller on `registry`, registered once per registry and shared. */
export function createReconcileMetrics(options: ReconcileMetricsOptions): ReconcileMetrics {
  const { controller, registry, maxConcurrentReconciles } = applyReconcileMetricsOptions(options);
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
  const time = reconcileTimeHistogram(registry);
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

  workers.set({ controller }, maxConcurrentReconciles);
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
        observeTime(time, controller, Number(process.hrtime.bigint() - start) / 1e9);
      }
    },
    terminalError() {
      terminal.inc({ controller });
    },
  };
}

/**
 * `controller_runtime_reconcile_time_seconds`, recording exemplars. prom-client refuses exemplars at
 * construction on a registry in the text format (its default), although it only leaves them out of
 * that format when writing; so the histogram is made without registries and registered by hand.
 * OpenMetrics scrapes carry the exemplars (Prometheus stores them from OpenMetrics only).
 */
function reconcileTimeHistogram(registry: Registry): Histogram<string> {
  return getOrRegister(registry, 'controller_runtime_reconcile_time_seconds', () => {
    const h = new Histogram<string>({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_TIME_BUCKETS,
      registers: [],
      enableExemplars: true,
    });
    registry.registerMetric(h);
    return h;
  });
}

/** One reconcile's duration, with the trace of its span as exemplar when that span is sampled. */
function observeTime(time: Histogram<string>, controller: string, seconds: number): void {
  // A histogram registered earlier by other code may have no exemplars: it takes the plain form only.
  if (!(time as { enableExemplars?: boolean }).enableExemplars) return time.observe({ controller }, seconds);
  const exemplarLabels = sampledSpanExemplar();
  time.observe({ labels: { controller }, value: seconds, ...(exemplarLabels ? { exemplarLabels } : {}) });
}

/** The OpenTelemetry API's global registration, as `@opentelemetry/api` 1.x keeps it. */
interface OtelGlobal {
  context?: { active(): { getValue(key: symbol): unknown } };
}
interface ActiveSpan {
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
}
const OTEL_API_1 = Symbol.for('opentelemetry.js.api.1');
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
const SAMPLED = 0x1;

/**
 * `{ trace_id, span_id }` of the span active here (the reconcile span `withDiagnostics` starts around
 * each reconcile) when it is sampled, as OpenMetrics exemplars name them; undefined without tracing.
 * Read through the global every 1.x version of `@opentelemetry/api` registers its context manager in
 * (`Symbol.for('opentelemetry.js.api.1')`, the key that lets copies of the API share one context), so
 * that this package needs no dependency on the API.
 */
function sampledSpanExemplar(): Record<string, string> | undefined {
  const api = (globalThis as Record<symbol, OtelGlobal | undefined>)[OTEL_API_1];
  const span = api?.context?.active().getValue(SPAN_KEY) as ActiveSpan | undefined;
  if (span === undefined || typeof span.spanContext !== 'function') return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return traceFlags & SAMPLED ? { trace_id: traceId, span_id: spanId } : undefined;
}

function resultLabel(result: ReconcileResult | void): ReconcileResultLabel {
  if (result && result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) return 'requeue_after';
  if (result && result.requeue) return 'requeue';
  return 'success';
}
