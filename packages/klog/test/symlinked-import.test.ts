import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compilePackage } from './support/compile-source.ts';

const tmp = mkdtempSync(join(tmpdir(), 'klog-symlink-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * pnpm's layout: the app sees `linked` through a symlink; `linked`'s own dependency sits next to its
 * real directory only, so it resolves only if Node follows the link to the real path.
 */
function symlinkedPackageLayout(): string {
  const store = join(tmp, 'store', 'node_modules');
  write(join(store, 'dep', 'package.json'), '{"name":"dep","type":"module","exports":"./index.js"}');
  write(join(store, 'dep', 'index.js'), "export const answer = 'resolved';\n");
  write(join(store, 'linked', 'package.json'), '{"name":"linked","type":"module","exports":"./index.js"}');
  write(join(store, 'linked', 'index.js'), "export { answer } from 'dep';\n");
  const app = join(tmp, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(join(store, 'linked'), join(app, 'node_modules', 'linked'), 'dir');
  return app;
}

// Node 20 keeps the last number-typed fs stat in one shared array; a FIFO's left there made the next
// import() of a symlinked package look its dependencies up from the link. Node 24 does not have the
// bug, so this guards the Node 20 run of the suite.
describe('a logger on a pipe, then a lazy import of a symlinked package (Node 20, pnpm)', () => {
  it('leaves module resolution intact', () => {
    const app = symlinkedPackageLayout();
    const klog = pathToFileURL(compilePackage()).href;
    // Like an operator in a container: stderr is a pipe, the logger is made first, and the
    // Kubernetes client is imported lazily afterwards.
    write(
      join(app, 'main.mjs'),
      `import { createLogger } from ${JSON.stringify(klog)};\n` +
        `createLogger();\n` +
        `const { answer } = await import('linked');\n` +
        `process.stdout.write(answer);\n`,
    );
    const r = spawnSync(process.execPath, [join(app, 'main.mjs')], {
      cwd: app,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('resolved');
    expect(r.status).toBe(0);
  });
});
