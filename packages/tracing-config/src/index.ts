export { decodeTracingConfiguration } from './decode.ts';
export type { DecodeTracingConfigurationOptions } from './decode.ts';
export { loadTracingConfiguration, DEFAULT_LOAD_OPTIONS } from './load.ts';
export type { LoadTracingConfigurationOptions } from './load.ts';
export { validateTracingConfiguration } from './validate.ts';
export { TRACING_API_VERSIONS, TRACING_KIND, MAX_SAMPLING_RATE_PER_MILLION } from './types.ts';
export type { TracingConfiguration, TracingApiVersion } from './types.ts';
export type { TracingConfigProblem, TracingConfigProblemType } from './problem.ts';
export {
  TracingConfigError,
  TracingConfigInvalidError,
  TracingOptionsError,
  TracingErrorCode,
  aggregate,
} from './errors.ts';
export { createTracingProvider } from './provider.ts';
export type { TracingProvider } from './provider.ts';
export {
  DEFAULT_TRACING_PROVIDER_OPTIONS,
  resolveTracingProviderOptions,
  validateTracingProviderOptions,
} from './options.ts';
export type { TracingProviderOptions, ResolvedTracingProviderOptions } from './options.ts';
export { toExporterTarget, DEFAULT_ENDPOINT } from './endpoint.ts';
export type { ExporterTarget } from './endpoint.ts';
export type { CollectorTlsOptions } from './tls.ts';
export { installContextManager } from './internal/otel-adapter.ts';
export { withReconcileSpan } from './reconcile-span.ts';
export type { ReconcileRequest, ReconcileSpanOptions } from './reconcile-span.ts';
export { traceKubeConfig, traceparentMiddleware, injectTraceContext } from './client-node.ts';
export type { HeaderSettable, TraceparentMiddleware, TraceableKubeConfig } from './client-node.ts';
