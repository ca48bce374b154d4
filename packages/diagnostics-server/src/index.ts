export { createDiagnosticsServer } from './server.ts';
export type { DiagnosticsServer, HealthEndpoint } from './server.ts';
export type { ServingCertificateInfo } from './serving-certificate.ts';
export {
  DEFAULT_DIAGNOSTICS_SERVER_OPTIONS,
  applyDiagnosticsServerOptions,
  parseBindAddress,
  resolveDiagnosticsServerOptions,
  validateDiagnosticsServerOptions,
} from './options.ts';
export type {
  DiagnosticsServerDefaults,
  DiagnosticsServerOptions,
  ListenAddress,
  ResolvedDiagnosticsServerOptions,
  ZPagesOptions,
} from './options.ts';
export { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';
export type { OptionProblem } from './errors.ts';
export type {
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
export { normalizeRequestTarget, cleanPath } from './path.ts';
export type { NormalizedTarget } from './path.ts';
export {
  GO_CIPHER_SUITE_NAMES,
  TLS_VERSION_NAMES,
  ciphersFromGoNames,
  tlsVersionFromGoName,
} from './tls-config.ts';
export type { CipherMapping, TlsVersionName } from './tls-config.ts';
export { generateSelfSignedCertificate, certificateFingerprint } from './self-signed.ts';
export type { GeneratedCertificate } from './self-signed.ts';
export { REDACTED } from './handlers/zpages.ts';
