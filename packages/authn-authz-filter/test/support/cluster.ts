import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '@kubediag/envtest';
import {
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createNamespace,
  createServiceAccount,
  createToken,
  uniqueName,
} from '@kubediag/envtest';

/** A KubeConfig that talks to `cp` as the bearer of `token` (an operator's ServiceAccount). */
export function tokenKubeConfig(cp: Pick<ControlPlane, 'url' | 'caPem'>, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'envtest',
        server: cp.url,
        caData: Buffer.from(cp.caPem).toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'operator', token }],
    contexts: [{ name: 'operator', cluster: 'envtest', user: 'operator' }],
    currentContext: 'operator',
  });
  return kc;
}

export interface Identities {
  ns: string;
  /** The operator: a ServiceAccount bound to system:auth-delegator. */
  operatorUser: string;
  operatorKc: KubeConfig;
  /** Bound to get /metrics, get /debug/pprof/*, put /debug/flags/v. */
  readerUser: string;
  readerToken: string;
  /** A ServiceAccount with no RBAC at all. */
  nobodyUser: string;
  nobodyToken: string;
}

/** A fresh namespace, an operator identity with the RBAC the filter needs, and two scrapers. */
export async function setupIdentities(cp: ControlPlane, prefix = 'authz'): Promise<Identities> {
  const admin = cp.kubeConfig;
  const ns = await createNamespace(admin, uniqueName(prefix));
  await Promise.all(['operator', 'reader', 'nobody'].map((sa) => createServiceAccount(admin, ns, sa)));
  await bindAuthDelegator(admin, { ns, sa: 'operator' });
  const role = await createClusterRole(admin, uniqueName('diag-reader'), [
    { nonResourceURLs: ['/metrics', '/debug/pprof/*'], verbs: ['get'] },
    { nonResourceURLs: ['/debug/flags/v'], verbs: ['put'] },
  ]);
  await bindClusterRole(admin, role, { ns, sa: 'reader' });
  const [operatorToken, readerToken, nobodyToken] = await Promise.all([
    createToken(admin, ns, 'operator'),
    createToken(admin, ns, 'reader'),
    createToken(admin, ns, 'nobody'),
  ]);
  return {
    ns,
    operatorUser: `system:serviceaccount:${ns}:operator`,
    operatorKc: tokenKubeConfig(cp, operatorToken),
    readerUser: `system:serviceaccount:${ns}:reader`,
    readerToken,
    nobodyUser: `system:serviceaccount:${ns}:nobody`,
    nobodyToken,
  };
}
