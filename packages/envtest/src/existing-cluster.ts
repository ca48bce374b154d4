import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { EnvtestError, EnvtestErrorCode, notOwnedError } from './errors.ts';
import { loadKubeConfig } from './internal/kubeconfig.ts';
import type { ControlPlane, ProcessExit } from './types.ts';

/** The kubeconfig file kubectl would read first: `KUBECONFIG`'s first entry, else ~/.kube/config. */
function kubeconfigFile(env: NodeJS.ProcessEnv): string {
  const first = (env['KUBECONFIG'] ?? '').split(delimiter).find((p) => p !== '');
  return first ?? join(homedir(), '.kube', 'config');
}

/**
 * The cluster of `KUBECONFIG` (for example kind) behind the ControlPlane API. Nothing is started;
 * stop() removes only the temp dir the harness created.
 */
export async function startExistingCluster(env: NodeJS.ProcessEnv = process.env): Promise<ControlPlane> {
  const kubeconfigPath = kubeconfigFile(env);
  let text: string;
  try {
    text = await readFile(kubeconfigPath, 'utf8');
  } catch (err) {
    throw new EnvtestError(
      EnvtestErrorCode.EXISTING_CLUSTER,
      `use existing cluster: cannot read kubeconfig ${kubeconfigPath}; expected KUBECONFIG or ~/.kube/config to name a readable file`,
      { cause: err },
    );
  }
  const kubeConfig = await loadKubeConfig(text).catch((err: unknown) => {
    throw new EnvtestError(
      EnvtestErrorCode.EXISTING_CLUSTER,
      `use existing cluster: invalid kubeconfig ${kubeconfigPath}`,
      { cause: err },
    );
  });
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) {
    throw new EnvtestError(
      EnvtestErrorCode.EXISTING_CLUSTER,
      `use existing cluster: kubeconfig ${kubeconfigPath} has no current cluster; expected a current-context`,
    );
  }
  let caPem = '';
  if (cluster.caData !== undefined && cluster.caData !== '')
    caPem = Buffer.from(cluster.caData, 'base64').toString('utf8');
  else if (cluster.caFile !== undefined && cluster.caFile !== '')
    caPem = await readFile(cluster.caFile, 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'kubediag-envtest-existing-'));
  let stopped: Promise<void> | undefined;
  return {
    url: cluster.server,
    caPem,
    kubeconfigPath,
    kubeConfig,
    dir,
    clientCaPem: '',
    owned: false,
    exited: new Promise<ProcessExit>(() => {}),
    issueClientCertificate: () =>
      Promise.reject(
        new EnvtestError(
          EnvtestErrorCode.UNSUPPORTED,
          'issue client certificate: the harness does not hold the client CA key of an existing cluster',
        ),
      ),
    readAuditEvents: () =>
      Promise.reject(
        new EnvtestError(
          EnvtestErrorCode.UNSUPPORTED,
          'read audit events: the harness cannot read the audit log of an existing cluster',
        ),
      ),
    stopApiServer: () =>
      Promise.reject(notOwnedError('stop kube-apiserver', `the existing cluster ${cluster.server}`)),
    startApiServer: () =>
      Promise.reject(notOwnedError('start kube-apiserver', `the existing cluster ${cluster.server}`)),
    stop: () => (stopped ??= rm(dir, { recursive: true, force: true })),
  };
}
