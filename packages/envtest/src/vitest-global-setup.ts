/*
 * vitest globalSetup of the "integration" project: ONE real kube-apiserver + etcd per run (audit log
 * on), shared by every integration test file through useControlPlane(). Runs in vitest's main process.
 */
import type { TestProject } from 'vitest/node';
import { startControlPlane, toCoordinates } from './control-plane.ts';
import { PROVIDE_KEY } from './vitest.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cp = await startControlPlane({ auditLog: true });
  if (cp.owned) {
    process.stderr.write(
      `[kubediag-envtest] control plane ${cp.url} ready in ${Date.now() - started} ms (${cp.dir})\n`,
    );
  }
  project.provide(PROVIDE_KEY, toCoordinates(cp));
  return () => cp.stop();
}
