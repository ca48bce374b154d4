export { loadTracingConfiguration } from './load.ts';
export { decodeTracingConfiguration } from './decode.ts';
export { validateTracingConfiguration } from './validate.ts';
export type { TracingConfiguration, TracingApiVersion } from './types.ts';
export type { TracingConfigProblem, TracingConfigProblemType } from './problem.ts';
export { TracingError, TracingErrorCode, isTracingError } from './errors.ts';
export { createTracingProvider } from './provider.ts';
export type { TracingProvider } from './provider.ts';
export { resolveTracingProviderOptions, validateTracingProviderOptions } from './options.ts';
export type {
  CollectorTlsOptions,
  DecodeTracingConfigurationOptions,
  LoadTracingConfigurationOptions,
  ReconcileSpanOptions,
  ResolvedTracingProviderOptions,
  TracingProviderOptions,
} from './options.ts';
export { installContextManager } from './context-manager.ts';
export { withReconcileSpan } from './reconcile-span.ts';
export type { ReconcileRequest } from './reconcile-span.ts';
export { traceparentMiddleware, injectTraceContext } from './client-node.ts';
export type { HeaderSettable, TraceparentMiddleware } from './client-node.ts';
export { traceKubeConfig } from './trace-kube-config.ts';
export type { TraceableKubeConfig } from './trace-kube-config.ts';
