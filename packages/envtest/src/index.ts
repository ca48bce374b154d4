export { startControlPlane, toCoordinates } from './control-plane.ts';
export type { AuditEvent, ClientCertificate, ControlPlane, ProcessExit } from './types.ts';
export {
  DEFAULT_CONTROL_PLANE_OPTIONS,
  resolveControlPlaneOptions,
  validateControlPlaneOptions,
  useExistingClusterFromEnv,
} from './options.ts';
export type { ControlPlaneOptions, ResolvedControlPlaneOptions, OptionProblem } from './options.ts';
export { EnvtestError, ENVTEST_ERROR_CODES, isEnvtestError } from './errors.ts';
export type { EnvtestErrorCode } from './errors.ts';
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
  MIN_TOKEN_EXPIRATION_SECONDS,
} from './fixtures.ts';
export type { CreateTokenOptions, NonResourceRule, ServiceAccountRef } from './fixtures.ts';
export { findPeer, assetsDir, KUBERNETES_VERSION, OTELCOL_VERSION, SETUP_COMMAND } from './peers.ts';
export type { PeerName } from './peers.ts';
export { controlPlaneFromCoordinates } from './coordinates.ts';
export type { ControlPlaneCoordinates } from './coordinates.ts';
export { useControlPlane } from './use-control-plane.ts';
export { startPrometheus } from './prometheus.ts';
export type { RunningPrometheus, ScrapeJob, TargetState } from './prometheus.ts';
export { setupDiagnosticsIdentities, tokenKubeConfig } from './diagnostics-identities.ts';
export type { DiagnosticsIdentities } from './diagnostics-identities.ts';
export { publishSecret } from './secret-volume.ts';
