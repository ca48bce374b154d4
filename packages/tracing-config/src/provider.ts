// A tracer provider from a TracingConfiguration, set up as component-base's tracing.NewProvider:
// OTLP gRPC exporter, batch span processor, ParentBased(TraceIDRatioBased) sampler, W3C
// propagation, service.name + service.instance.id. No configuration: a no-op provider.
//
// Lazy: the SDK, the exporter and grpc-js are imported only when a provider with tracing on is
// created, so an operator with tracing off loads @opentelemetry/api and nothing else of OTel.
import { propagation, ProxyTracerProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { checkValue, integer, object, oneOf, string, type Check } from '@kubediag/options';
import { toExporterTarget } from './endpoint.ts';
import { invalidConfiguration, invalidOptions, TracingError, TracingErrorCode } from './errors.ts';
import { w3cPropagator } from './internal/w3c-propagator.ts';
import { applyTracingProviderOptions, type TracingProviderOptions } from './options.ts';
import { readCollectorTls } from './tls.ts';
import { TRACING_API_VERSIONS, TRACING_KIND, type TracingConfiguration } from './types.ts';
import { validateTracingConfiguration } from './validate.ts';

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
   * @throws TracingError `KDIAG_TRACING_SHUTDOWN_TIMEOUT` or `KDIAG_TRACING_EXPORT_FAILED`
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
        new TracingError(
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
          new TracingError(
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
  if (register) propagation.setGlobalPropagator(w3cPropagator);
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

// A configuration given as an object (not read from a file by loadTracingConfiguration) gets the
// checks a file gets: no unknown fields, the right types, then component-base's validation.
const CONFIGURATION_SHAPE: Check = object(
  {
    apiVersion: oneOf(TRACING_API_VERSIONS),
    kind: oneOf([TRACING_KIND]),
    endpoint: string({ allowEmpty: true }),
    samplingRatePerMillion: integer(),
  },
  { expected: 'a TracingConfiguration object or undefined' },
);

function checkConfiguration(config: TracingConfiguration): void {
  const problems = checkValue(CONFIGURATION_SHAPE, config, 'config');
  if (problems.length > 0) throw invalidOptions('invalid tracing configuration object', problems);
  const invalid = validateTracingConfiguration(config);
  if (invalid.length > 0) throw invalidConfiguration('the configuration object', invalid);
}

// The service.name resource attribute (semantic conventions), written out: the conventions
// package's root module alone costs more to load than this package's own code.
const ATTR_SERVICE_NAME = 'service.name';

/**
 * Builds a tracer provider from a {@link TracingConfiguration} (from
 * {@link loadTracingConfiguration}); `undefined` gives a no-op provider.
 *
 * Asynchronous because the OpenTelemetry SDK, the OTLP exporter and grpc-js are imported here,
 * and only when `config` is given: with tracing off none of them is ever loaded.
 *
 * The endpoint is dialed like Kubernetes does, as plain gRPC (`host:port` → `http://host:port`),
 * unless the kubediag `tls` option is set.
 *
 * @throws TracingError (as a rejection) `KDIAG_TRACING_INVALID_OPTIONS` when options (or the
 *   configuration object's fields) are invalid, `KDIAG_TRACING_CONFIG_INVALID` when the
 *   configuration fails Kubernetes' validation, `KDIAG_TRACING_TLS_UNREADABLE` or
 *   `KDIAG_TRACING_ENDPOINT_UNSUPPORTED`
 */
export async function createTracingProvider(
  config: TracingConfiguration | undefined,
  options: TracingProviderOptions,
): Promise<TracingProvider> {
  const o = applyTracingProviderOptions(options);
  if (config === undefined) return noopProvider(o.register);
  checkConfiguration(config);

  const target = toExporterTarget(config.endpoint, o.tls !== undefined);
  const tls = o.tls === undefined ? undefined : readCollectorTls(o.tls);
  // Everything is checked and read: only now is the SDK worth loading.
  const { createSdkProvider } = await import('./internal/otel-adapter.ts');
  const sdk = createSdkProvider({
    samplingRatePerMillion: config.samplingRatePerMillion,
    resourceAttributes: {
      ...o.resourceAttributes,
      [ATTR_SERVICE_NAME]: o.serviceName,
      'service.instance.id': o.serviceInstanceId,
    },
    url: target.url,
    tls,
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
