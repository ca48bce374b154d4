import { KubeConfig } from '@kubernetes/client-node';

/** A client-node KubeConfig for a plain-HTTP server (client-node 1.x allows http with skipTLSVerify). */
export function plainHttpKubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'not-a-secret' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return kc;
}
