export { createDiagnosticsServer } from './diagnostics-server.ts';
export type { DiagnosticsServer, HealthEndpoint } from './diagnostics-server.ts';
export type { ServingCertificateInfo } from './serving-certificate.ts';
export { resolveDiagnosticsServerOptions, validateDiagnosticsServerOptions } from './options.ts';
export type {
  DiagnosticsServerOptions,
  ResolvedDiagnosticsServerOptions,
  ResolvedZPagesOptions,
  ZPagesOptions,
} from './options.ts';
export type { HealthProbeWatchdogOptions, ResolvedHealthProbeWatchdogOptions } from './watchdog/options.ts';
export type { TlsVersionName } from './tls-config.ts';
export { DiagnosticsServerError, DiagnosticsServerErrorCode, isDiagnosticsServerError } from './errors.ts';
export type { OptionProblem } from '@kubediag/options';
export type {
  ClosableFilter,
  Filter,
  FilterContext,
  FilterProvider,
  HealthCheck,
  KeyValues,
  Logger,
  MetricsRegistry,
  RequestHandler,
  Verbose,
  VerbosityControl,
} from './types.ts';
