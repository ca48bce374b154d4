// A tracer provider from a TracingConfiguration, set up as component-base's tracing.NewProvider:
// OTLP gRPC exporter, batch span processor, ParentBased(TraceIDRatioBased) sampler, W3C
// propagation, service.name + service.instance.id. No configuration: a no-op provider.
import { ProxyTracerProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { toExporterTarget } from './endpoint.ts';
import { TracingConfigError, TracingErrorCode, TracingOptionsError } from './errors.ts';
import { createSdkProvider, registerPropagator } from './internal/otel-adapter.ts';
import {
  resolveTracingProviderOptions,
  validateTracingProviderOptions,
  type TracingProviderOptions,
} from './options.ts';
import { readCollectorTls } from './tls.ts';
import type { TracingConfiguration } from './types.ts';

/** What {@link createTracingProvider} returns. */
export interface TracingProvider {
  /** False for the no-op provider (no configuration). */
  readonly enabled: boolean;
  /** The OpenTelemetry TracerProvider, for libraries that take one. */
  readonly tracerProvider: TracerProvider;
  /** Exporter URL (e.g. `http://localhost:4317`); empty when disabled. */
  readonly endpoint: string;
  /** The sampler, e.g. `ParentBased{root=TraceIdRatioBased{0.0001}, ...}`; empty when disabled. */
  readonly sampler: string;
  /** `tracerProvider.getTracer(name, version)`. */
  getTracer(name: string, version?: string): Tracer;
  /** Exports every finished span now; rejects after `shutdownTimeoutMs` or when export fails. */
  forceFlush(): Promise<void>;
  /**
   * Flushes pending spans and closes the exporter, within `shutdownTimeoutMs`. Call it on
   * SIGTERM. Idempotent: later calls return the first call's promise.
   * @throws TracingConfigError `KDIAG_TRACING_SHUTDOWN_TIMEOUT` or `KDIAG_TRACING_EXPORT_FAILED`
   */
  shutdown(): Promise<void>;
}

function bounded(
  what: string,
  work: () => Promise<void>,
  timeoutMs: number,
  endpoint: string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new TracingConfigError(
          TracingErrorCode.SHUTDOWN_TIMEOUT,
          `tracing ${what}: spans not exported to ${endpoint} within ${timeoutMs} ms; expected the collector to accept them`,
        ),
      );
    }, timeoutMs);
    timer.unref();
    work().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        const why = err instanceof Error ? err.message : String(err);
        reject(
          new TracingConfigError(
            TracingErrorCode.EXPORT_FAILED,
            `tracing ${what}: exporting spans to ${endpoint} failed: ${why}`,
            {
              cause: err,
            },
          ),
        );
      },
    );
  });
}

function noopProvider(register: boolean): TracingProvider {
  // Like Kubernetes without a tracing config: no spans, but trace context still propagates.
  if (register) registerPropagator();
  const tracerProvider = new ProxyTracerProvider();
  return {
    enabled: false,
    tracerProvider,
    endpoint: '',
    sampler: '',
    getTracer: (name, version) => tracerProvider.getTracer(name, version),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/**
 * Builds a tracer provider from a {@link TracingConfiguration} (from
 * {@link loadTracingConfiguration}); `undefined` gives a no-op provider.
 *
 * The endpoint is dialed like Kubernetes does, as plain gRPC (`host:port` → `http://host:port`),
 * unless the kubediag `tls` option is set.
 *
 * @throws TracingOptionsError when options are invalid; TracingConfigError
 *   `KDIAG_TRACING_TLS_UNREADABLE` or `KDIAG_TRACING_ENDPOINT_UNSUPPORTED`
 */
export function createTracingProvider(
  config: TracingConfiguration | undefined,
  options: TracingProviderOptions,
): TracingProvider {
  const o = resolveTracingProviderOptions(options);
  const problems = validateTracingProviderOptions(o);
  if (problems.length > 0) throw new TracingOptionsError(problems);
  if (config === undefined) return noopProvider(o.register);

  const target = toExporterTarget(config.endpoint, o.tls !== undefined);
  const sdk = createSdkProvider({
    samplingRatePerMillion: config.samplingRatePerMillion,
    resourceAttributes: {
      ...o.resourceAttributes,
      [ATTR_SERVICE_NAME]: o.serviceName,
      'service.instance.id': o.serviceInstanceId,
    },
    url: target.url,
    tls: o.tls === undefined ? undefined : readCollectorTls(o.tls),
    exportTimeoutMs: o.exportTimeoutMs,
    spanProcessors: o.spanProcessors,
    register: o.register,
  });
  let shutdownPromise: Promise<void> | undefined;
  const endpoint = target.url;
  return {
    enabled: true,
    tracerProvider: sdk.tracerProvider,
    endpoint,
    sampler: sdk.sampler,
    getTracer: (name, version) => sdk.tracerProvider.getTracer(name, version),
    forceFlush: () => bounded('flush', () => sdk.forceFlush(), o.shutdownTimeoutMs, endpoint),
    shutdown: () =>
      (shutdownPromise ??= bounded('shutdown', () => sdk.shutdown(), o.shutdownTimeoutMs, endpoint)),
  };
}
