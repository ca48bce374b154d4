import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clientNodeProblem, installedClientNodeVersion } from '../src/internal/client-node-support.ts';

describe('which @kubernetes/client-node runs on which Node.js', () => {
  it.each([
    ['1.4.0', '20.20.2', true],
    ['1.4.0', '24.21.0', true],
    ['2.0.1', '22.19.0', true],
    ['2.0.1', '24.21.0', true],
    ['2.0.1', '26.0.0', true],
    ['2.0.1', '20.20.2', false],
    ['2.0.1', '22.18.9', false],
    ['3.0.0', 'v20.19.0', false],
  ])('client-node %s on Node %s: %s', (client, node, runs) => {
    expect(clientNodeProblem(client, node) === undefined).toBe(runs);
  });

  it('names both versions and both ways out', () => {
    expect(clientNodeProblem('2.0.1', '20.20.2')).toBe(
      '@kubernetes/client-node 2.0.1 needs Node.js >= 22.19 (it is built on undici 8), and this is Node.js 20.20.2: ' +
        'install @kubernetes/client-node@^1.4.0, or run Node.js >= 22.19',
    );
  });
});

describe('installedClientNodeVersion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubediag-cn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the manifest next to the importer without importing the package', () => {
    const pkg = join(dir, 'node_modules', '@kubernetes', 'client-node');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@kubernetes/client-node', version: '2.0.1', main: 'boom.js' }),
    );
    // The module would end the test run if it were loaded.
    writeFileSync(join(pkg, 'boom.js'), 'process.exit(99);');
    expect(installedClientNodeVersion(pathToFileURL(join(dir, 'importer.js')).href)).toBe('2.0.1');
  });

  it("reads the workspace's own client-node (1.x) by default", () => {
    expect(installedClientNodeVersion()).toMatch(/^1\./);
  });
});
