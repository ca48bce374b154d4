// Builds every publishable package (scripts/build.mjs --clean, as a release does) and packs it the way `pnpm publish` would (workspace:* replaced by
// real versions, only the `files` the package ships), so that consumer tests install exactly what an
// operator author downloads. Packs are cached by a hash of everything that goes into them.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { pnpmCommand } from '../../scripts/ensure-install.mjs';

const run = promisify(execFile);

/** The repository root. */
export const ROOT: string = join(import.meta.dirname, '..', '..');

/** Packed packages: npm name → absolute path of its tarball. */
export interface PackedWorkspace {
  readonly dir: string;
  readonly tarballs: Readonly<Record<string, string>>;
}

interface WorkspacePackage {
  readonly dir: string;
  readonly name: string;
}

async function publishablePackages(): Promise<WorkspacePackage[]> {
  const out: WorkspacePackage[] = [];
  for (const entry of await readdir(join(ROOT, 'packages'))) {
    const dir = join(ROOT, 'packages', entry);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      private?: boolean;
    };
    if (manifest.private !== true) out.push({ dir, name: manifest.name });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

/** A hash of every input of the packs: sources, manifests, READMEs, build configs, the lockfile. */
async function inputsHash(packages: readonly WorkspacePackage[]): Promise<string> {
  const hash = createHash('sha256');
  const files = [
    'pnpm-lock.yaml',
    'tsconfig.base.json',
    'tsconfig.build.json',
    'LICENSE',
    'scripts/build.mjs',
  ].map((f) => join(ROOT, f));
  for (const p of packages) {
    files.push(...(await filesUnder(join(p.dir, 'src'))), ...(await filesUnder(join(p.dir, 'setup'))));
    for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'tsconfig.build.json'])
      files.push(join(p.dir, f));
  }
  for (const file of files.sort()) {
    hash.update(relative(ROOT, file));
    hash.update(existsSync(file) ? await readFile(file) : '<absent>');
  }
  return hash.digest('hex').slice(0, 16);
}

function cacheRoot(): string {
  return (
    process.env['KUBEDIAG_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'kubediag')
  );
}

/**
 * Builds and packs every publishable package once per content hash; later calls return the cached packs.
 * Builds run through pnpm from the repository (the pinned TypeScript), one package at a time.
 */
export async function packWorkspace(): Promise<PackedWorkspace> {
  const packages = await publishablePackages();
  const dir = join(cacheRoot(), 'packs', await inputsHash(packages));
  const tarballs: Record<string, string> = {};
  const tarballName = (name: string) => `${name.replace(/^@/, '').replace('/', '-')}.tgz`;
  if (!existsSync(join(dir, 'complete'))) {
    const work = `${dir}.tmp-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const [pnpm, prefix] = pnpmCommand();
    // From scratch, so that no stale file of an earlier build ships.
    await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--clean'], {
      cwd: ROOT,
      maxBuffer: 64 << 20,
    });
    for (const p of packages) {
      const { stdout } = await run(pnpm, [...prefix, 'pack', '--pack-destination', work], {
        cwd: p.dir,
        maxBuffer: 16 << 20,
      });
      const packed = stdout.trim().split('\n').pop()!.trim();
      await rename(packed, join(work, tarballName(p.name)));
    }
    await mkdir(join(work, 'complete'));
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
  }
  for (const p of packages) {
    const file = join(dir, tarballName(p.name));
    await stat(file);
    tarballs[p.name] = file;
  }
  return { dir, tarballs };
}
