import type { KubeConfig } from '@kubernetes/client-node';
import {
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createNamespace,
  createServiceAccount,
  createToken,
  uniqueName,
} from './fixtures.ts';
import { importClientNode } from './internal/kubeconfig.ts';
import type { ControlPlane } from './types.ts';

/** A KubeConfig that talks to `cp` (or a proxy in front of it) as the bearer of `token`. */
export async function tokenKubeConfig(
  cp: Pick<ControlPlane, 'url' | 'caPem'>,
  token: string,
): Promise<KubeConfig> {
  const { KubeConfig } = await importClientNode();
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
    users: [{ name: 'token-user', token }],
    contexts: [{ name: 'token', cluster: 'envtest', user: 'token-user' }],
    currentContext: 'token',
  });
  return kc;
}

/** The identities a diagnostics-port test needs, each a ServiceAccount in one fresh namespace. */
export interface DiagnosticsIdentities {
  readonly ns: string;
  /** The operator, bound to `system:auth-delegator` as in a real deployment. */
  readonly operatorUser: string;
  readonly operatorKc: KubeConfig;
  /** The RBAC of the Cluster API docs: get `/metrics` and `/debug/pprof/*`, put `/debug/flags/v`. */
  readonly readerUser: string;
  readonly readerToken: string;
  /** A ServiceAccount without any RBAC. */
  readonly nobodyUser: string;
  readonly nobodyToken: string;
}

/**
 * Creates a fresh namespace with an operator identity allowed to make TokenReviews and
 * SubjectAccessReviews, a scraper with the Cluster API diagnostics roles, and one with no RBAC.
 */
export async function setupDiagnosticsIdentities(
  cp: ControlPlane,
  prefix = 'diag',
): Promise<DiagnosticsIdentities> {
  const admin = cp.kubeConfig;
  const ns = await createNamespace(admin, uniqueName(prefix));
  await Promise.all(['operator', 'reader', 'nobody'].map((sa) => createServiceAccount(admin, ns, sa)));
  await bindAuthDelegator(admin, { ns, sa: 'operator' });
  const role = await createClusterRole(admin, uniqueName(`${prefix}-reader`), [
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
    operatorKc: await tokenKubeConfig(cp, operatorToken),
    readerUser: `system:serviceaccount:${ns}:reader`,
    readerToken,
    nobodyUser: `system:serviceaccount:${ns}:nobody`,
    nobodyToken,
  };
}
