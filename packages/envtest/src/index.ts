export { startControlPlane, toCoordinates } from './control-plane.ts';
export type { AuditEvent, ClientCertificate, ControlPlane, ProcessExit } from './types.ts';
export { resolveControlPlaneOptions, validateControlPlaneOptions } from './options.ts';
export type {
  CollectorOptions,
  CollectorTlsOptions,
  ControlPlaneOptions,
  CreateTokenOptions,
  FindPeerOptions,
  PrometheusOptions,
  ResolvedControlPlaneOptions,
  TestCertificateOptions,
} from './options.ts';
export { EnvtestError, EnvtestErrorCode, isEnvtestError } from './errors.ts';
export {
  applyManifest,
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createNamespace,
  createServiceAccount,
  createToken,
  deleteServiceAccount,
  uniqueName,
} from './fixtures.ts';
export type { NonResourceRule, ServiceAccountRef } from './fixtures.ts';
export { findPeer } from './peers.ts';
export type { PeerName } from './peers.ts';
export { controlPlaneFromCoordinates } from './coordinates.ts';
export type { ControlPlaneCoordinates } from './coordinates.ts';
export { useControlPlane } from './use-control-plane.ts';
export { startPrometheus } from './prometheus.ts';
export type {
  RunningPrometheus,
  ScrapeJob,
  ScrapeProtocol,
  SeriesExemplars,
  TargetState,
} from './prometheus.ts';
export { otlpAttribute, startCollector } from './collector.ts';
export type { CollectedSpan, OtlpKeyValue, OtlpSpan, RunningCollector } from './collector.ts';
export { setupDiagnosticsIdentities, tokenKubeConfig } from './diagnostics-identities.ts';
export type { DiagnosticsIdentities } from './diagnostics-identities.ts';
export { publishSecret } from './secret-volume.ts';
export { createTestCertificateAuthority } from './test-certificates.ts';
export type { TestCertificateAuthority, TestCertificateSubject, TestKeyPair } from './test-certificates.ts';
