import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneFromCoordinates, EnvtestErrorCode, type ControlPlane } from '../src/index.ts';
import { startExistingCluster } from '../src/existing-cluster.ts';
import { kubeconfigYaml } from '../src/internal/kubeconfig.ts';

// Only a control plane whose processes the harness runs can have its apiserver stopped; the others
// must say so instead of doing nothing (a silent no-op would make an outage test pass without an outage).
describe('unit: stopApiServer/startApiServer on a control plane the harness does not own', () => {
  let dir: string;
  let kubeconfigPath: string;
  const url = 'https://127.0.0.1:1';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubediag-envtest-unit-'));
    kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfigPath,
      kubeconfigYaml({ url, caPem: 'ca', certPem: 'c', keyPem: 'k', user: 'u' }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const borrowed: Record<string, () => Promise<ControlPlane>> = {
    'an existing cluster': () => startExistingCluster({ KUBECONFIG: kubeconfigPath }),
    'coordinates (a worker view of the shared one)': () =>
      controlPlaneFromCoordinates({
        url,
        caPem: 'ca',
        kubeconfigPath,
        dir,
        clientCaPem: '',
        clientCaKeyPem: '',
        auditLogPath: '',
        pids: { etcd: 0, apiServer: 0 },
      }),
  };

  it.each(Object.keys(borrowed))('rejects with KDIAG_ENVTEST_UNSUPPORTED for %s', async (kind) => {
    const cp = await borrowed[kind]!();
    try {
      expect(cp.owned).toBe(false);
      await expect(cp.stopApiServer()).rejects.toMatchObject({
        code: EnvtestErrorCode.UNSUPPORTED,
        message: expect.stringMatching(
          /^stop kube-apiserver: this control plane is not owned by the harness \(.*127\.0\.0\.1:1.*\); expected one from startControlPlane\(\)$/,
        ) as unknown,
      });
      await expect(cp.startApiServer()).rejects.toMatchObject({
        code: EnvtestErrorCode.UNSUPPORTED,
        message: expect.stringContaining('start kube-apiserver: this control plane is not owned') as unknown,
      });
    } finally {
      await cp.stop();
    }
  });
});
