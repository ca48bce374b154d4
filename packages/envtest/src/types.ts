import type { KubeConfig } from '@kubernetes/client-node';

/** A client certificate and its private key, both PEM. */
export interface ClientCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Why a control-plane process ended, as reported by {@link ControlPlane.exited}. */
export interface ProcessExit {
  /** Which process ended first. */
  readonly process: 'etcd' | 'kube-apiserver';
  /** Its exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** True when stop() ended it; false when it died on its own or was killed from outside. */
  readonly expected: boolean;
}

/**
 * One kube-apiserver audit event (audit.k8s.io/v1 Event), as written to the audit log. Only the
 * fields tests usually read are typed; the rest is there too.
 */
export interface AuditEvent {
  readonly kind: 'Event';
  readonly apiVersion: string;
  readonly level: 'Metadata' | 'Request' | 'RequestResponse';
  readonly auditID: string;
  readonly stage: string;
  readonly requestURI: string;
  readonly verb: string;
  readonly user: { readonly username: string; readonly groups?: readonly string[] };
  readonly objectRef?: { readonly resource?: string; readonly apiGroup?: string; readonly name?: string };
  readonly responseStatus?: { readonly code?: number };
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
  readonly [field: string]: unknown;
}

/** A running (or borrowed) control plane: a real kube-apiserver backed by etcd. */
export interface ControlPlane {
  /** The apiserver's URL, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  readonly caPem: string;
  /** Admin kubeconfig file (client certificate, group system:masters), mode 0600. */
  readonly kubeconfigPath: string;
  /** The same admin identity as a @kubernetes/client-node KubeConfig. */
  readonly kubeConfig: KubeConfig;
  /** Temporary directory holding certificates, logs, data and the audit log; removed by stop(). */
  readonly dir: string;
  /** PEM of the CA the apiserver trusts for client certificates (`--client-ca-file`); empty for an existing cluster. */
  readonly clientCaPem: string;
  /** True when this harness runs the processes; false for an existing cluster or a worker's view of the global one. */
  readonly owned: boolean;
  /**
   * Settles when etcd or kube-apiserver ends: after stop(), or when it dies or is killed from outside
   * (then `expected` is false). Never settles for a control plane this harness does not own.
   */
  readonly exited: Promise<ProcessExit>;
  /** Issues a client certificate for `user` with `groups` as organizations, signed by the client CA. */
  issueClientCertificate(user: string, groups?: readonly string[]): Promise<ClientCertificate>;
  /** Reads the audit log (needs `{ auditLog: true }`): TokenReview and SubjectAccessReview events. */
  readAuditEvents(): Promise<AuditEvent[]>;
  /**
   * Stops kube-apiserver alone (SIGTERM, then SIGKILL after `stopTimeoutMs`) and leaves etcd running:
   * an apiserver outage for the code under test. `exited` does not settle for this stop. Resolves once
   * the process is gone; a no-op when it is already stopped. Rejects with `KDIAG_ENVTEST_UNSUPPORTED`
   * for a control plane this harness does not own, `KDIAG_ENVTEST_STOPPED` after stop().
   */
  stopApiServer(): Promise<void>;
  /**
   * Starts kube-apiserver again after stopApiServer(), with the same flags: same port and URL, same
   * serving and client certificates, same service-account keys (tokens issued before stay valid), same
   * etcd and data. Resolves when `/readyz` answers `ok` (within `startTimeoutMs`); a no-op when it runs.
   * Rejects with `KDIAG_ENVTEST_PORT_CONFLICT` when another process took the port meanwhile,
   * `KDIAG_ENVTEST_START_TIMEOUT` / `KDIAG_ENVTEST_PROCESS_EXITED` (with log tails) when it does not
   * become ready, and like stopApiServer() for a control plane this harness does not own.
   */
  startApiServer(): Promise<void>;
  /** Stops the processes (SIGTERM, then SIGKILL after a bound) and removes the temp directory. Idempotent. */
  stop(): Promise<void>;
}
