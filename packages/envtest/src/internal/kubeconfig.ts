import type { KubeConfig } from '@kubernetes/client-node';
import type * as ClientNodeModule from '@kubernetes/client-node';
import { stringify } from 'yaml';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** An admin kubeconfig with everything embedded (no file references that could dangle). */
export function kubeconfigYaml(params: {
  url: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  user: string;
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kubediag-envtest',
        cluster: { server: params.url, 'certificate-authority-data': b64(params.caPem) },
      },
    ],
    users: [
      {
        name: params.user,
        user: { 'client-certificate-data': b64(params.certPem), 'client-key-data': b64(params.keyPem) },
      },
    ],
    contexts: [
      {
        name: 'kubediag-envtest',
        context: { cluster: 'kubediag-envtest', user: params.user, namespace: 'default' },
      },
    ],
    'current-context': 'kubediag-envtest',
  });
}

type ClientNode = typeof ClientNodeModule;
let clientNode: Promise<ClientNode> | undefined;

/** @kubernetes/client-node, imported on first use: it costs ~400 ms, which a unit test should not pay. */
export function importClientNode(): Promise<ClientNode> {
  clientNode ??= import('@kubernetes/client-node');
  return clientNode;
}

/** A KubeConfig loaded from kubeconfig text. */
export async function loadKubeConfig(text: string): Promise<KubeConfig> {
  const { KubeConfig } = await importClientNode();
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}
