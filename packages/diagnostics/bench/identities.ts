/**
 * The ServiceAccounts of the comparison, in one fresh namespace: one operator identity per server
 * (so the apiserver's audit log tells whose TokenReviews and SubjectAccessReviews it served) and
 * scrapers allowed to get /metrics (and /ok), as in the kubebuilder docs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createNamespace,
  createServiceAccount,
  createToken,
  tokenKubeConfig,
  uniqueName,
  type ControlPlane,
} from '@kubediag/envtest';

export interface Operator {
  /** `system:serviceaccount:<ns>:<name>`, as the audit log names it. */
  readonly user: string;
  /** A kubeconfig file (JSON, mode 0600) holding the operator's token. */
  readonly kubeconfigPath: string;
}

export interface BenchIdentities {
  readonly ns: string;
  /** An operator bound to system:auth-delegator. */
  operator(name: string): Promise<Operator>;
  /** A fresh token of a new ServiceAccount allowed to get /metrics. */
  scraperToken(name: string): Promise<string>;
}

export async function createBenchIdentities(cp: ControlPlane, dir: string): Promise<BenchIdentities> {
  const admin = cp.kubeConfig;
  const ns = await createNamespace(admin, uniqueName('cr-compare'));
  const role = await createClusterRole(admin, uniqueName('cr-compare-metrics-reader'), [
    // /ok: the trivial handler both servers serve behind their filter (filter-cost.ts).
    { nonResourceURLs: ['/metrics', '/ok'], verbs: ['get'] },
  ]);
  return {
    ns,
    async operator(name) {
      await createServiceAccount(admin, ns, name);
      await bindAuthDelegator(admin, { ns, sa: name });
      const kc = await tokenKubeConfig(cp, await createToken(admin, ns, name));
      const kubeconfigPath = join(dir, `${name}.kubeconfig`);
      await writeFile(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
      return { user: `system:serviceaccount:${ns}:${name}`, kubeconfigPath };
    },
    async scraperToken(name) {
      await createServiceAccount(admin, ns, name);
      await bindClusterRole(admin, role, { ns, sa: name });
      return createToken(admin, ns, name);
    },
  };
}
