import { readFile } from 'node:fs/promises';
import { EnvtestError, EnvtestErrorCode, notOwnedError } from './errors.ts';
import { readAuditLog } from './internal/audit.ts';
import { loadKubeConfig } from './internal/kubeconfig.ts';
import { importCa, issueClientCertificate } from './internal/pki.ts';
import type { ControlPlane, ProcessExit } from './types.ts';

/**
 * What the vitest global setup hands to test workers: plain, structured-clone-able data. It includes
 * the test client CA's key so workers can issue client certificates; that CA exists only for this run.
 */
export interface ControlPlaneCoordinates {
  readonly url: string;
  readonly caPem: string;
  readonly kubeconfigPath: string;
  readonly dir: string;
  readonly clientCaPem: string;
  /** PEM key of the client CA; empty for an existing cluster. */
  readonly clientCaKeyPem: string;
  /** Audit log path, or '' when there is none. */
  readonly auditLogPath: string;
  /** Process-group ids of etcd and kube-apiserver, or 0 for an existing cluster. */
  readonly pids: { readonly etcd: number; readonly apiServer: number };
}

/** Rebuilds a ControlPlane from coordinates: stop() is a no-op (the global setup owns the processes). */
export async function controlPlaneFromCoordinates(c: ControlPlaneCoordinates): Promise<ControlPlane> {
  const kubeConfig = await loadKubeConfig(await readFile(c.kubeconfigPath, 'utf8'));
  const borrowed = `${c.url}, borrowed through coordinates such as the vitest global setup's shared one`;
  const ca = c.clientCaKeyPem !== '' ? await importCa(c.clientCaPem, c.clientCaKeyPem) : undefined;
  return {
    url: c.url,
    caPem: c.caPem,
    kubeconfigPath: c.kubeconfigPath,
    kubeConfig,
    dir: c.dir,
    clientCaPem: c.clientCaPem,
    owned: false,
    exited: new Promise<ProcessExit>(() => {}),
    async issueClientCertificate(user, groups = []) {
      if (ca === undefined) {
        throw new EnvtestError(
          EnvtestErrorCode.UNSUPPORTED,
          'issue client certificate: the harness does not hold the client CA key of an existing cluster',
        );
      }
      return issueClientCertificate(ca, user, groups);
    },
    async readAuditEvents() {
      if (c.auditLogPath === '') {
        throw new EnvtestError(
          EnvtestErrorCode.UNSUPPORTED,
          'read audit events: the provided control plane has no audit log; expected it started with { auditLog: true }',
        );
      }
      return readAuditLog(c.auditLogPath);
    },
    // The processes belong to whoever made the coordinates (the vitest global setup): a test that needs
    // an apiserver outage starts its own control plane.
    stopApiServer: () => Promise.reject(notOwnedError('stop kube-apiserver', borrowed)),
    startApiServer: () => Promise.reject(notOwnedError('start kube-apiserver', borrowed)),
    stop: () => Promise.resolve(),
  };
}
