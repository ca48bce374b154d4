/**
 * The identities the load tests need on the shared envtest control plane: the operator (allowed to
 * review), the reader of the Cluster API docs (plus `get` on the canary extra handler) and an
 * authenticated nobody.
 */
import {
  bindClusterRole,
  createClusterRole,
  createToken,
  setupDiagnosticsIdentities,
  uniqueName,
  type ControlPlane,
} from '@kubediag/envtest';
import { CANARY_PREFIX, type OperatorConfig } from './protocol.ts';

export interface LoadIdentities {
  /** How the operator child reaches the apiserver, as its own ServiceAccount. */
  readonly apiserver: NonNullable<OperatorConfig['apiserver']>;
  readonly readerUser: string;
  readonly readerToken: string;
  readonly nobodyUser: string;
  readonly nobodyToken: string;
  /** The operator's own token: a credential too, which must never reach a log line. */
  readonly operatorToken: string;
}

export async function setupLoadIdentities(cp: ControlPlane, prefix: string): Promise<LoadIdentities> {
  const ids = await setupDiagnosticsIdentities(cp, prefix);
  const canary = await createClusterRole(cp.kubeConfig, uniqueName(`${prefix}-canary`), [
    { nonResourceURLs: [`${CANARY_PREFIX}*`], verbs: ['get'] },
  ]);
  await bindClusterRole(cp.kubeConfig, canary, { ns: ids.ns, sa: 'reader' });
  const operatorToken = await createToken(cp.kubeConfig, ids.ns, 'operator');
  return {
    apiserver: { url: cp.url, caPem: cp.caPem, token: operatorToken },
    readerUser: ids.readerUser,
    readerToken: ids.readerToken,
    nobodyUser: ids.nobodyUser,
    nobodyToken: ids.nobodyToken,
    operatorToken,
  };
}
