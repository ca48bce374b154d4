import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

// Source maps are tested without tsx: a load-time transpiler rewrites every module (even .js) and its
// positions no longer match the file's own source map. So the package is compiled with tsc, exactly as
// an application ships it.
const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);
const pkgDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** Compiles a package with tsc, with source maps, as an application ships it. */
async function compile(packageDir: string, outDir: string): Promise<void> {
  // A project reference is read from its declarations in dist/, which a fresh clone does not have
  // until something builds it: build them first (incremental, what `npm run build` does anyway).
  await execFileAsync(process.execPath, [
    require.resolve('typescript/bin/tsc'),
    '-b',
    join(packageDir, 'tsconfig.build.json'),
  ]);
  await execFileAsync(process.execPath, [
    require.resolve('typescript/bin/tsc'),
    '-p',
    join(packageDir, 'tsconfig.build.json'),
    '--outDir',
    outDir,
    // The build config is a composite project that writes declarations only (JavaScript comes from
    // the bundler): here tsc writes plain JavaScript with source maps, as an application's build does.
    '--composite',
    'false',
    '--emitDeclarationOnly',
    'false',
    '--declaration',
    'false',
    '--isolatedDeclarations',
    'false',
  ]);
}

/**
 * An application directory at `app` with this package compiled to `app/pprof` (import
 * `./pprof/index.js`) and its dependencies installed as an application has them: the workspace kit
 * compiled under node_modules with its exports pointing at dist, the rest linked.
 */
export async function createCompiledApp(app: string): Promise<void> {
  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, '@kubediag'), { recursive: true });
  for (const name of readdirSync(join(pkgDir, 'node_modules')))
    if (name !== '@kubediag') symlinkSync(join(pkgDir, 'node_modules', name), join(modules, name));
  const kit = join(pkgDir, '..', 'options');
  await compile(kit, join(modules, '@kubediag', 'options', 'dist'));
  copyFileSync(join(kit, 'package.json'), join(modules, '@kubediag', 'options', 'package.json'));
  await compile(pkgDir, join(app, 'pprof'));
}

/**
 * Writes `app/<name>.ts` and its compiled `<name>.js` + `<name>.js.map` (ESM), as tsc with `sourceMap`
 * does; returns the generated JavaScript.
 */
export function writeCompiledTs(app: string, name: string, source: string): string {
  writeFileSync(join(app, `${name}.ts`), source);
  const out = ts.transpileModule(source, {
    fileName: `${name}.ts`,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true },
  });
  writeFileSync(join(app, `${name}.js`), out.outputText);
  writeFileSync(join(app, `${name}.js.map`), out.sourceMapText!);
  return out.outputText;
}
