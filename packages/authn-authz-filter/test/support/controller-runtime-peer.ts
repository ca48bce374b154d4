/**
 * The controller-runtime peer (bench/peers/controller-runtime: its metrics server in secure mode with
 * filters.WithAuthenticationAndAuthorization) in its own process, reviewing as the identity of a
 * kubeconfig file. Built (once, cached) by its build.sh.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BUILD = fileURLToPath(new URL('../../../../bench/peers/controller-runtime/build.sh', import.meta.url));

export interface ControllerRuntimePeer {
  /** `https://127.0.0.1:<port>`; serves `/metrics` and `/ok` behind the filter. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startControllerRuntimePeer(kubeconfigPath: string): Promise<ControllerRuntimePeer> {
  const binary = (await promisify(execFile)('bash', [BUILD])).stdout.trim();
  const child = spawn(binary, ['--kubeconfig', kubeconfigPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`controller-runtime peer: not serving:\n${stderr}`)),
      60_000,
    );
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /serving (https:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', () => reject(new Error(`controller-runtime peer exited:\n${stderr}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
