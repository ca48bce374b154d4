// Options of createTracingProvider: defaults filled with `??`, every problem reported at once.
import { randomUUID } from 'node:crypto';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { TracingConfigProblem } from './problem.ts';
import type { CollectorTlsOptions } from './tls.ts';

/** Options of {@link createTracingProvider}. */
export interface TracingProviderOptions {
  /**
   * `service.name` of the spans (kube-apiserver uses `apiserver`). Required.
   */
  readonly serviceName: string;
  /**
   * `service.instance.id`: tells replicas apart. Setting it to the pod name makes traces easy to
   * map to pods.
   * @default `${serviceName}-${randomUUID()}` (like kube-apiserver's `apiserver-<uuid>`)
   */
  readonly serviceInstanceId?: string;
  /**
   * More resource attributes (e.g. `service.version`, `k8s.pod.name`). `service.name` and
   * `service.instance.id` above win over entries here.
   * @default {}
   */
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>>;
  /**
   * TLS to the collector: a kubediag extension, not a Kubernetes field. Off (plain gRPC, like
   * Kubernetes) unless set.
   * @default undefined
   */
  readonly tls?: CollectorTlsOptions;
  /**
   * Upper bound on `shutdown()` and `forceFlush()`: they give up (and reject) after this long so
   * a SIGTERM handler cannot hang on an unreachable collector.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
  /**
   * Timeout of one OTLP export call.
   * @default 10000
   */
  readonly exportTimeoutMs?: number;
  /**
   * Make this the global provider: sets the global tracer provider, the W3C trace-context +
   * baggage propagator and an AsyncLocalStorage context manager (what Kubernetes components do
   * with `otel.SetTracerProvider`). `false` touches nothing global; use `provider.getTracer()`.
   * @default true
   */
  readonly register?: boolean;
  /**
   * Extra span processors run next to the OTLP batch processor (e.g. an in-memory exporter in
   * tests).
   * @default []
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** Options with every default filled in. */
export interface ResolvedTracingProviderOptions {
  readonly serviceName: string;
  readonly serviceInstanceId: string;
  readonly resourceAttributes: Readonly<Record<string, string | number | boolean>>;
  readonly tls: CollectorTlsOptions | undefined;
  readonly shutdownTimeoutMs: number;
  readonly exportTimeoutMs: number;
  readonly register: boolean;
  readonly spanProcessors: readonly SpanProcessor[];
}

/** Defaults of {@link TracingProviderOptions}. */
export const DEFAULT_TRACING_PROVIDER_OPTIONS: Readonly<{
  shutdownTimeoutMs: number;
  exportTimeoutMs: number;
  register: boolean;
}> = Object.freeze({ shutdownTimeoutMs: 5000, exportTimeoutMs: 10_000, register: true });

/** Fills defaults. */
export function resolveTracingProviderOptions(
  options: TracingProviderOptions,
): ResolvedTracingProviderOptions {
  return {
    serviceName: options.serviceName,
    serviceInstanceId: options.serviceInstanceId ?? `${options.serviceName}-${randomUUID()}`,
    resourceAttributes: options.resourceAttributes ?? {},
    tls: options.tls,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_TRACING_PROVIDER_OPTIONS.shutdownTimeoutMs,
    exportTimeoutMs: options.exportTimeoutMs ?? DEFAULT_TRACING_PROVIDER_OPTIONS.exportTimeoutMs,
    register: options.register ?? DEFAULT_TRACING_PROVIDER_OPTIONS.register,
    spanProcessors: options.spanProcessors ?? [],
  };
}

function positiveTimeout(path: string, value: number, problems: TracingConfigProblem[]): void {
  if (!Number.isFinite(value) || value <= 0 || value > 2_147_483_647) {
    problems.push({
      path,
      type: 'FieldValueInvalid',
      message: `expected a positive number of milliseconds up to 2147483647, got ${String(value)}`,
    });
  }
}

/** Returns every problem with resolved options (empty when valid). */
export function validateTracingProviderOptions(o: ResolvedTracingProviderOptions): TracingConfigProblem[] {
  const problems: TracingConfigProblem[] = [];
  if (typeof o.serviceName !== 'string' || o.serviceName.trim() === '') {
    problems.push({
      path: 'serviceName',
      type: 'FieldValueRequired',
      message: `expected a non-empty string, got ${JSON.stringify(o.serviceName) ?? 'undefined'}`,
    });
  }
  if (o.serviceInstanceId.trim() === '') {
    problems.push({
      path: 'serviceInstanceId',
      type: 'FieldValueInvalid',
      message: 'expected a non-empty string, got ""',
    });
  }
  positiveTimeout('shutdownTimeoutMs', o.shutdownTimeoutMs, problems);
  positiveTimeout('exportTimeoutMs', o.exportTimeoutMs, problems);
  if (o.tls !== undefined && (o.tls.certFile === undefined) !== (o.tls.keyFile === undefined)) {
    problems.push({
      path: o.tls.certFile === undefined ? 'tls.certFile' : 'tls.keyFile',
      type: 'FieldValueRequired',
      message: 'expected tls.certFile and tls.keyFile together, got only one of them',
    });
  }
  return problems;
}
