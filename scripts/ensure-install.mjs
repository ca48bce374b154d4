// Makes a fresh clone runnable with plain `npm run …`: installs the workspace with the pinned pnpm
// (through npx when pnpm is not on PATH) unless node_modules is already there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The pinned pnpm: the one on PATH when it is that version, else through npx. */
export function pnpmCommand() {
  const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager; // pnpm@x.y.z
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && `pnpm@${probe.stdout.trim()}` === pinned) return ['pnpm', []];
  return ['npx', ['--yes', pinned]];
}

export function ensureInstall() {
  if (existsSync(join(root, 'node_modules', '.pnpm')) && existsSync(join(root, 'node_modules', 'vitest')))
    return;
  const [cmd, pre] = pnpmCommand();
  process.stderr.write(`[kubediag] installing the workspace (${cmd} ${[...pre, 'install'].join(' ')})\n`);
  execFileSync(cmd, [...pre, 'install', '--frozen-lockfile'], { cwd: root, stdio: 'inherit' });
}

if (import.meta.url === `file://${process.argv[1]}`) ensureInstall();
