/**
 * Every error @kubediag/envtest throws is an {@link EnvtestError} with one of these stable codes.
 * Messages are lowercase context chains: "what failed: why; expected X, got Y".
 */
export const ENVTEST_ERROR_CODES: Readonly<{
  INVALID_OPTIONS: 'KDIAG_ENVTEST_INVALID_OPTIONS';
  BINARY_NOT_FOUND: 'KDIAG_ENVTEST_BINARY_NOT_FOUND';
  START_TIMEOUT: 'KDIAG_ENVTEST_START_TIMEOUT';
  PROCESS_EXITED: 'KDIAG_ENVTEST_PROCESS_EXITED';
  PORT_CONFLICT: 'KDIAG_ENVTEST_PORT_CONFLICT';
  STOPPED: 'KDIAG_ENVTEST_STOPPED';
  UNSUPPORTED: 'KDIAG_ENVTEST_UNSUPPORTED';
  EXISTING_CLUSTER: 'KDIAG_ENVTEST_EXISTING_CLUSTER';
  NOT_PROVIDED: 'KDIAG_ENVTEST_NOT_PROVIDED';
  FIXTURE_FAILED: 'KDIAG_ENVTEST_FIXTURE_FAILED';
}> = Object.freeze({
  /** Options failed validation; the message lists every problem with its field path. */
  INVALID_OPTIONS: 'KDIAG_ENVTEST_INVALID_OPTIONS',
  /** A binary (kube-apiserver, etcd, kubectl, otelcol, prometheus, ...) was not found. */
  BINARY_NOT_FOUND: 'KDIAG_ENVTEST_BINARY_NOT_FOUND',
  /** etcd or kube-apiserver did not become ready in time; the message carries their log tails. */
  START_TIMEOUT: 'KDIAG_ENVTEST_START_TIMEOUT',
  /** etcd or kube-apiserver exited (during start, or later: killed from outside). */
  PROCESS_EXITED: 'KDIAG_ENVTEST_PROCESS_EXITED',
  /** Every start attempt hit a port conflict. */
  PORT_CONFLICT: 'KDIAG_ENVTEST_PORT_CONFLICT',
  /** The control plane was used after stop(). */
  STOPPED: 'KDIAG_ENVTEST_STOPPED',
  /** The operation needs something this control plane does not have (audit log, client CA of an existing cluster). */
  UNSUPPORTED: 'KDIAG_ENVTEST_UNSUPPORTED',
  /** The existing cluster (KUBEDIAG_USE_EXISTING_CLUSTER) could not be loaded from KUBECONFIG. */
  EXISTING_CLUSTER: 'KDIAG_ENVTEST_EXISTING_CLUSTER',
  /** useControlPlane() was called where the vitest global setup did not provide a control plane. */
  NOT_PROVIDED: 'KDIAG_ENVTEST_NOT_PROVIDED',
  /** A fixture call (namespace, ServiceAccount, RBAC, TokenRequest, manifest) was refused by the apiserver. */
  FIXTURE_FAILED: 'KDIAG_ENVTEST_FIXTURE_FAILED',
});

/** One of the {@link ENVTEST_ERROR_CODES} values. */
export type EnvtestErrorCode = (typeof ENVTEST_ERROR_CODES)[keyof typeof ENVTEST_ERROR_CODES];

/** The error class of @kubediag/envtest; branch on {@link EnvtestError.code}, never on the message. */
export class EnvtestError extends Error {
  /** Stable machine-readable code, e.g. `KDIAG_ENVTEST_START_TIMEOUT`. */
  readonly code: EnvtestErrorCode;

  constructor(code: EnvtestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvtestError';
    this.code = code;
  }
}

/** Narrows an unknown value to an {@link EnvtestError}, optionally of one code. */
export function isEnvtestError(err: unknown, code?: EnvtestErrorCode): err is EnvtestError {
  return err instanceof EnvtestError && (code === undefined || err.code === code);
}

/**
 * The rejection of stopApiServer()/startApiServer() on a control plane whose processes this harness
 * does not run (`owned: false`). Not exported from the package.
 */
export function notOwnedError(what: string, whose: string): EnvtestError {
  return new EnvtestError(
    ENVTEST_ERROR_CODES.UNSUPPORTED,
    `${what}: this control plane is not owned by the harness (${whose}); expected one from startControlPlane()`,
  );
}
