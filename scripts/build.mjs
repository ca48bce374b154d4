// Builds what users install and what the demo runs:
//   1. `tsc -b tsconfig.build.json`: type-checks every package in dependency order and writes the
//      declarations (and the JavaScript of envtest and the demo operator), incrementally.
//   2. one ESM bundle per public entry of each library package (esbuild, code split so that `.` and
//      `./internal` share their modules, every bare import left to the package manager). A package
//      then loads as a handful of files instead of dozens: importing @kubediag/diagnostics went from
//      ~170 modules to 14, which is most of its import cost (docs/benchmarks.md).
//
//   node scripts/build.mjs           incremental
//   node scripts/build.mjs --clean   from scratch (what pack and release use: no stale file ships)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { root } from './ensure-install.mjs';

const clean = process.argv.includes('--clean');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const config = join(root, 'tsconfig.build.json');

/** Library packages whose JavaScript is bundled: every package whose build config emits declarations only. */
function bundledPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => {
      const file = join(dir, 'tsconfig.build.json');
      return (
        existsSync(file) &&
        JSON.parse(readFileSync(file, 'utf8')).compilerOptions?.emitDeclarationOnly === true
      );
    });
}

/** `src/index.ts`, plus `src/internal.ts` where the package has that subpath. */
function entries(dir) {
  return ['index.ts', 'internal.ts'].map((f) => join(dir, 'src', f)).filter((f) => existsSync(f));
}

/**
 * Refuses a bundle with a character outside Latin-1 (a `→` in a kept comment, a `μ` in a regex):
 * V8 then keeps the whole module's source as a two-byte string, in every operator's heap for its
 * whole life — twice the bytes of the same source in one-byte form.
 */
function assertOneByteSource(outputs) {
  for (const file of outputs.filter((f) => f.endsWith('.js'))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((line) => /[\u0100-\uffff]/.test(line));
    if (at >= 0)
      throw new Error(
        `${file}:${at + 1}: a character outside Latin-1 in the bundle; expected Latin-1 only ` +
          `(escape it in a regex or string, reword the comment): ${lines[at].trim().slice(0, 160)}`,
      );
  }
}

function newestSource(dir) {
  let newest = statSync(join(dir, 'package.json')).mtimeMs;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(dir, 'src'));
  return newest;
}

if (clean) {
  execFileSync(process.execPath, [tsc, '-b', '--clean', config], { stdio: 'inherit', cwd: root });
  for (const dir of [
    ...readdirSync(join(root, 'packages')).map((n) => join(root, 'packages', n)),
    join(root, 'examples', 'demo-operator'),
  ])
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
}
execFileSync(process.execPath, [tsc, '-b', config], { stdio: 'inherit', cwd: root });

for (const dir of bundledPackages()) {
  const marker = join(dir, 'dist', 'index.js');
  if (!clean && existsSync(marker) && statSync(marker).mtimeMs >= newestSource(dir)) continue;
  for (const f of readdirSync(join(dir, 'dist'))) if (/\.js(\.map)?$/.test(f)) rmSync(join(dir, 'dist', f));
  rmSync(join(dir, 'dist', 'chunks'), { recursive: true, force: true });
  const { metafile } = await build({
    entryPoints: entries(dir),
    outdir: join(dir, 'dist'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    sourcemap: true,
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    metafile: true,
  });
  // The metafile names each output relative to the working directory.
  assertOneByteSource(Object.keys(metafile.outputs).map((f) => resolve(f)));
}
