/** Builds both servers of the comparison: kubediag's packages (dist/) and the Go peer (cached). */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Returns the path of the controller-runtime peer binary. */
export async function buildPeers(): Promise<string> {
  // kubediag runs from dist/, as an operator would; the Go peer is built and cached by its script.
  await exec(
    'pnpm',
    ['--filter', '@kubediag/diagnostics...', '--filter', '!@kubediag/envtest', 'run', 'build'],
    {
      cwd: repoRoot,
    },
  );
  const { stdout } = await exec('bash', [join(repoRoot, 'bench/peers/controller-runtime/build.sh')]);
  return stdout.trim();
}
