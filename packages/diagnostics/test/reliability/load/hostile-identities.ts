/**
 * The identities of the hostile-identities test, in one fresh namespace: one operator per server
 * under test (kubediag and the controller-runtime peer), so that the apiserver's audit log tells
 * whose reviews it served, each allowed to review (system:auth-delegator) and to list ConfigMaps in
 * the namespace (its own work); two scrapers allowed to get /metrics and /debug/pprof/*.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applyManifest,
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

export interface OperatorIdentity {
  /** `system:serviceaccount:<ns>:<name>`, as the audit log names it. */
  readonly user: string;
  readonly token: string;
  /** A kubeconfig file (mode 0600) holding the token, for the controller-runtime peer. */
  readonly kubeconfigPath: string;
}

export interface HostileIdentities {
  readonly ns: string;
  readonly kubediag: OperatorIdentity;
  readonly controllerRuntime: OperatorIdentity;
  readonly scraperTokens: readonly [string, string];
}

export async function setupHostileIdentities(cp: ControlPlane, dir: string): Promise<HostileIdentities> {
  const admin = cp.kubeConfig;
  const ns = await createNamespace(admin, uniqueName('hostile'));
  await applyManifest(
    admin,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: reconcile, namespace: ${ns} }
rules: [{ apiGroups: [''], resources: [configmaps], verbs: [list] }]`,
  );
  const operator = async (name: string): Promise<OperatorIdentity> => {
    await createServiceAccount(admin, ns, name);
    await bindAuthDelegator(admin, { ns, sa: name });
    await applyManifest(
      admin,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${name}-reconcile, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reconcile }
subjects: [{ kind: ServiceAccount, name: ${name}, namespace: ${ns} }]`,
    );
    const token = await createToken(admin, ns, name);
    const kubeconfigPath = join(dir, `${name}.kubeconfig`);
    await writeFile(kubeconfigPath, (await tokenKubeConfig(cp, token)).exportConfig(), { mode: 0o600 });
    return { user: `system:serviceaccount:${ns}:${name}`, token, kubeconfigPath };
  };
  const role = await createClusterRole(admin, uniqueName('hostile-scraper'), [
    { nonResourceURLs: ['/metrics', '/debug/pprof/*'], verbs: ['get'] },
  ]);
  const scraper = async (name: string): Promise<string> => {
    await createServiceAccount(admin, ns, name);
    await bindClusterRole(admin, role, { ns, sa: name });
    return createToken(admin, ns, name);
  };
  const [kubediag, controllerRuntime, a, b] = await Promise.all([
    operator('kubediag-operator'),
    operator('controller-runtime-operator'),
    scraper('prometheus-a'),
    scraper('prometheus-b'),
  ]);
  return { ns, kubediag, controllerRuntime, scraperTokens: [a, b] };
}
