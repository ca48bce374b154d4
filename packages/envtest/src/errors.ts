import { KubediagError, formatProblems, type OptionProblem } from '@kubediag/options';

/**
 * Every error @kubediag/envtest throws is an {@link EnvtestError} with one of these stable codes.
 * Messages are lowercase context chains: "what failed: why; expected X, got Y".
 */
export const EnvtestErrorCode = {
  /** Options or arguments failed validation; `problems` lists every one with its path. */
  INVALID_OPTIONS: 'KDIAG_ENVTEST_INVALID_OPTIONS',
  /** A binary (kube-apiserver, etcd, kubectl, otelcol, prometheus, ...) was not found. */
  BINARY_NOT_FOUND: 'KDIAG_ENVTEST_BINARY_NOT_FOUND',
  /** etcd, kube-apiserver or the collector did not become ready in time; the message carries log tails. */
  START_TIMEOUT: 'KDIAG_ENVTEST_START_TIMEOUT',
  /** etcd, kube-apiserver or the collector exited (during start, or later: killed from outside). */
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
  /** A peer's output did not reach the state a test waited for in time (the collector's `waitFor`). */
  WAIT_TIMEOUT: 'KDIAG_ENVTEST_WAIT_TIMEOUT',
} as const;
/** One of the {@link EnvtestErrorCode} values. */
export type EnvtestErrorCode = (typeof EnvtestErrorCode)[keyof typeof EnvtestErrorCode];

/** The error class of @kubediag/envtest; branch on `code`, never on the message. */
export class EnvtestError extends KubediagError<EnvtestErrorCode> {
  override readonly name = 'EnvtestError';
}

/** Narrows an unknown value to an {@link EnvtestError}, optionally of one code. */
export function isEnvtestError(err: unknown, code?: EnvtestErrorCode): err is EnvtestError {
  return err instanceof EnvtestError && (code === undefined || err.code === code);
}

/** The KDIAG_ENVTEST_INVALID_OPTIONS error of `what` ("invalid control plane options"). Not exported from the package. */
export function invalidOptions(what: string, problems: readonly OptionProblem[]): EnvtestError {
  return new EnvtestError(EnvtestErrorCode.INVALID_OPTIONS, `${what}: ${formatProblems(problems)}`, {
    problems,
  });
}

/**
 * The rejection of stopApiServer()/startApiServer() on a control plane whose processes this harness
 * does not run (`owned: false`). Not exported from the package.
 */
export function notOwnedError(what: string, whose: string): EnvtestError {
  return new EnvtestError(
    EnvtestErrorCode.UNSUPPORTED,
    `${what}: this control plane is not owned by the harness (${whose}); expected one from startControlPlane()`,
  );
}
