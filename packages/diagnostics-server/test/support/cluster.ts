import { KubeConfig } from '@kubernetes/client-node';
import {
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createNamespace,
  createServiceAccount,
  createToken,
  uniqueName,
  type ControlPlane,
} from '@kubediag/envtest';

/** A KubeConfig that talks to `cp` as the bearer of `token` (the operator's ServiceAccount). */
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
  /** The operator: a ServiceAccount bound to system:auth-delegator, as in a real deployment. */
  operatorKc: KubeConfig;
  /** The RBAC of the Cluster API docs: get /metrics, get /debug/pprof/*, put /debug/flags/v. */
  readerToken: string;
  readerUser: string;
  /** A ServiceAccount without any RBAC. */
  nobodyToken: string;
  nobodyUser: string;
}

export async function setupIdentities(cp: ControlPlane): Promise<Identities> {
  const admin = cp.kubeConfig;
  const ns = await createNamespace(admin, uniqueName('diag-server'));
  await Promise.all(['operator', 'reader', 'nobody'].map((sa) => createServiceAccount(admin, ns, sa)));
  await bindAuthDelegator(admin, { ns, sa: 'operator' });
  const role = await createClusterRole(admin, uniqueName('diag-server-reader'), [
    { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    { nonResourceURLs: ['/debug/pprof/*'], verbs: ['get'] },
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
    operatorKc: tokenKubeConfig(cp, operatorToken),
    readerToken,
    readerUser: `system:serviceaccount:${ns}:reader`,
    nobodyToken,
    nobodyUser: `system:serviceaccount:${ns}:nobody`,
  };
}
