/**
 * The diagnostics server of the hostile-network test, in a process of its own (as an operator runs
 * it, and so that the attack's clients do not share its event loop): the real filter against the
 * kube-apiserver in `KUBEDIAG_KUBECONFIG`, the probe listener on, every bound at its default. Prints
 * `serving <url>` and `probes <url>` once listening; stops on SIGTERM.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import { createDiagnosticsServer } from '../../src/index.ts';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.env['KUBEDIAG_KUBECONFIG'] ?? '');
const server = createDiagnosticsServer({
  bindAddress: '127.0.0.1:0',
  healthProbeBindAddress: '127.0.0.1:0',
  filterProvider: withAuthenticationAndAuthorization(),
  kubeConfig,
  registry: new Registry(),
  logger: createDiscardLogger(),
  pprofHandler: null,
});
await server.start();
process.stdout.write(`probes ${server.healthProbeUrl}\nserving ${server.url}\n`);
process.once('SIGTERM', () => void server.stop(1000).then(() => process.exit(0)));
