import type * as ClientNode from '@kubernetes/client-node';
import { describe } from '@kubediag/options';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { AuthnAuthzError, AuthnAuthzErrorCode } from './errors.ts';
import { clientNodeProblem, installedClientNodeVersion } from './internal/client-node-support.ts';
import type { KubeConfigLike } from './kube-review-client.ts';

/** Where a pod's service account credentials are mounted. */
export const SERVICE_ACCOUNT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoadKubeConfigInput {
  /** A KubeConfig handed over by the host (FilterContext.kubeConfig) or the `kubeConfig` option. */
  readonly kubeConfig?: unknown;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prefix of the service account mount, for tests of the in-cluster branch. @default '' */
  readonly serviceAccountPrefix?: string;
}

export function isKubeConfigLike(value: unknown): value is KubeConfigLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { getCurrentCluster?: unknown }).getCurrentCluster === 'function' &&
    typeof (value as { applyToHTTPSOptions?: unknown }).applyToHTTPSOptions === 'function'
  );
}

/**
 * Finds the Kubernetes configuration for reviews, in controller-runtime's order: an explicit KubeConfig,
 * then `KUBECONFIG`, then the in-cluster service account. Unlike client-node's `loadFromDefault`, it
 * never falls back to `http://localhost:8080`: with none of these it throws
 * `KDIAG_AUTHN_AUTHZ_NO_KUBECONFIG`, so a misconfigured operator fails at start rather than answering
 * every scrape with 500. `@kubernetes/client-node` is imported only when a config must be loaded here.
 */
export async function loadKubeConfig(input: LoadKubeConfigInput = {}): Promise<KubeConfigLike> {
  if (input.kubeConfig !== undefined) {
    if (!isKubeConfigLike(input.kubeConfig)) {
      throw new AuthnAuthzError(
        AuthnAuthzErrorCode.INVALID_KUBECONFIG,
        'kubernetes configuration unusable: expected a @kubernetes/client-node KubeConfig (with getCurrentCluster and applyToHTTPSOptions), got ' +
          describe(input.kubeConfig),
      );
    }
    return checkCluster(input.kubeConfig, 'the given KubeConfig');
  }
  const env = input.env ?? process.env;
  const prefix = input.serviceAccountPrefix ?? '';
  const kubeconfigEnv = env['KUBECONFIG'] ?? '';
  const inCluster =
    (env['KUBERNETES_SERVICE_HOST'] ?? '') !== '' &&
    (env['KUBERNETES_SERVICE_PORT'] ?? '') !== '' &&
    existsSync(prefix + SERVICE_ACCOUNT_TOKEN_PATH);
  if (kubeconfigEnv === '' && !inCluster) {
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.NO_KUBECONFIG,
      'no kubernetes configuration for token and subject access reviews: expected a KubeConfig from the host, ' +
        `KUBECONFIG, or an in-cluster service account (${SERVICE_ACCOUNT_TOKEN_PATH} with KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT), got none`,
    );
  }
  const { KubeConfig } = await importClient();
  const kc = new KubeConfig();
  if (kubeconfigEnv !== '') {
    const files = kubeconfigEnv.split(delimiter).filter((f) => f !== '');
    try {
      files.forEach((file, i) => {
        if (i === 0) return kc.loadFromFile(file);
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      });
    } catch (cause) {
      throw new AuthnAuthzError(
        AuthnAuthzErrorCode.INVALID_KUBECONFIG,
        `kubernetes configuration unusable: cannot load KUBECONFIG ${JSON.stringify(kubeconfigEnv)}: ${(cause as Error).message}`,
        { cause },
      );
    }
    return checkCluster(kc, `KUBECONFIG ${JSON.stringify(kubeconfigEnv)}`);
  }
  // loadFromCluster reads the server from KUBERNETES_SERVICE_HOST/PORT in process.env.
  kc.loadFromCluster(prefix);
  return checkCluster(kc, 'the in-cluster service account');
}

async function importClient(): Promise<typeof ClientNode> {
  const version = installedClientNodeVersion();
  const problem = version === undefined ? undefined : clientNodeProblem(version, process.versions.node);
  if (problem !== undefined)
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.CLIENT_UNSUPPORTED,
      `kubernetes client unsupported: ${problem}`,
    );
  try {
    return await import('@kubernetes/client-node');
  } catch (cause) {
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.CLIENT_UNAVAILABLE,
      'kubernetes client unavailable: cannot import @kubernetes/client-node; expected it installed next to @kubediag/authn-authz-filter (peer dependency)',
      { cause },
    );
  }
}

function checkCluster(kc: KubeConfigLike, from: string): KubeConfigLike {
  const cluster = kc.getCurrentCluster();
  if (cluster === null || typeof cluster.server !== 'string' || cluster.server === '') {
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.INVALID_KUBECONFIG,
      `kubernetes configuration unusable: ${from} has no current cluster with a server URL`,
    );
  }
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch (cause) {
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.INVALID_KUBECONFIG,
      `kubernetes configuration unusable: ${from} has server ${JSON.stringify(cluster.server)}; expected an https URL`,
      { cause },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.INVALID_KUBECONFIG,
      `kubernetes configuration unusable: ${from} has server ${JSON.stringify(cluster.server)}; expected an https URL`,
    );
  }
  return kc;
}
