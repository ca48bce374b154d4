// Child processes in these tests run the package as plain JavaScript (no tsx loader in the child:
// Node 20's off-thread loader hooks made a child stall under heavy load). The sources are
// transpiled once per test file, types stripped, `.ts` imports rewritten to `.js`; the one
// workspace dependency, @kubediag/options, is transpiled the same way into node_modules next to it.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

function transpileTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      transpileTree(join(from, entry.name), join(to, entry.name));
    } else if (entry.name.endsWith('.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(join(from, entry.name), 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          rewriteRelativeImportExtensions: true,
        },
      });
      writeFileSync(join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
    }
  }
}

/** Transpiles src/ into a temporary directory and returns the path of its index.js. */
export function compilePackage(): string {
  const out = mkdtempSync(join(tmpdir(), 'klog-js-'));
  transpileTree(fileURLToPath(new URL('../../src', import.meta.url)), out);
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  const kit = join(out, 'node_modules', '@kubediag', 'options');
  transpileTree(fileURLToPath(new URL('../../../options/src', import.meta.url)), kit);
  writeFileSync(
    join(kit, 'package.json'),
    '{"name":"@kubediag/options","type":"module","exports":"./index.js"}',
  );
  return join(out, 'index.js');
}
