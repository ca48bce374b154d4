/**
 * The controller-runtime peer (bench/peers/controller-runtime: its metrics server in secure mode
 * with filters.WithAuthenticationAndAuthorization, as Cluster API serves --diagnostics-address) in
 * its own process, reviewing as the identity of a kubeconfig file; built once (cached) by build.sh,
 * run by the comparison benchmark's process helper.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startPeer, type PeerProcess } from '../../../bench/peer-process.ts';

const BUILD = fileURLToPath(
  new URL('../../../../../bench/peers/controller-runtime/build.sh', import.meta.url),
);

/** Serves `/metrics` and `/ok` behind the filter, with a self-signed certificate. */
export async function startControllerRuntimePeer(kubeconfigPath: string): Promise<PeerProcess> {
  const binary = (await promisify(execFile)('bash', [BUILD])).stdout.trim();
  return startPeer('controller-runtime', binary, ['--kubeconfig', kubeconfigPath], process.env);
}
