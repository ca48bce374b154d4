// A span around one reconcile, the unit of work of an operator (controller-runtime's Reconcile).
// Requests to the apiserver made inside `fn` carry this span as their parent (see
// traceKubeConfig), so the apiserver's spans join the same trace.
import { randomUUID } from 'node:crypto';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { checkValue, object, string, type Check } from '@kubediag/options';
import { invalidOptions } from './errors.ts';
import { applyReconcileSpanOptions, type ReconcileSpanOptions } from './options.ts';

/** The object being reconciled, as controller-runtime logs it. */
export interface ReconcileRequest {
  /** Controller name, e.g. `memcached`. */
  readonly controller: string;
  /** Object name. */
  readonly name: string;
  /** Object namespace; omit for cluster-scoped objects. */
  readonly namespace?: string;
}

const REQUEST_SHAPE: Check = object({
  controller: string(),
  name: string(),
  namespace: string({ allowEmpty: true }),
});

/**
 * Runs `fn` inside a span for one reconcile and returns its result. The span is the active span
 * while `fn` runs (also across `await`s). A thrown error is recorded on the span, the status is set
 * to ERROR with the error's message, and the error is rethrown. On success the status stays
 * UNSET, as OpenTelemetry recommends for instrumentation.
 *
 * Attributes: `k8s.controller.name`, `k8s.object.name`, `k8s.namespace.name` (when namespaced),
 * `k8s.reconcile.id`.
 *
 * @throws TracingError `KDIAG_TRACING_INVALID_OPTIONS` (as a rejection, before `fn` runs) for an
 *   unknown or invalid field of `request` or `options`
 */
export async function withReconcileSpan<T>(
  tracer: Tracer,
  request: ReconcileRequest,
  fn: (span: Span) => T | Promise<T>,
  options?: ReconcileSpanOptions,
): Promise<T> {
  const invalidRequest = checkValue(REQUEST_SHAPE, request, 'request');
  if (invalidRequest.length > 0) throw invalidOptions('invalid reconcile request', invalidRequest);
  const o = applyReconcileSpanOptions(options);
  const attributes: Attributes = {
    ...o.attributes,
    'k8s.controller.name': request.controller,
    'k8s.object.name': request.name,
    'k8s.reconcile.id': o.reconcileId ?? randomUUID(),
  };
  if (request.namespace !== undefined && request.namespace !== '')
    attributes['k8s.namespace.name'] = request.namespace;
  const span = tracer.startSpan(o.spanName ?? `Reconcile ${request.controller}`, {
    kind: SpanKind.INTERNAL,
    attributes,
  });
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    throw err;
  } finally {
    span.end();
  }
}
