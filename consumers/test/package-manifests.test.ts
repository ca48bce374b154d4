// What npm shows and ships for each package: the metadata a registry page needs, the license, one
// install style, links that work from the npm page (absolute), the README headings every package
// shares, and dependency ranges that let an operator's own copies be shared.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/pack.ts';

const REPO = 'https://github.com/kubediag/kubediag';

interface Manifest {
  name: string;
  private?: boolean;
  description?: string;
  license?: string;
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  type?: string;
  engines?: { node?: string };
  exports?: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

// Pinned together on purpose (docs/decisions.md): the OpenTelemetry SDK line and its gRPC transport,
// which only @kubediag/tracing-config loads, and only when tracing is configured.
const PINNED = new Set([
  '@grpc/grpc-js',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-trace-node',
]);

const packages = readdirSync(join(ROOT, 'packages'))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter((p) => p.manifest.private !== true);

describe.each(packages)('$manifest.name', ({ dir, manifest }) => {
  const readme = readFileSync(join(ROOT, 'packages', dir, 'README.md'), 'utf8');

  it('has the metadata a registry page needs, pointing at this repository', () => {
    expect(manifest.description).toMatch(/\w/);
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.homepage).toBe(`${REPO}/tree/main/packages/${dir}#readme`);
    expect(manifest.bugs?.url).toBe(`${REPO}/issues`);
    expect(manifest.repository).toEqual({
      type: 'git',
      url: `git+${REPO}.git`,
      directory: `packages/${dir}`,
    });
    expect(manifest.type).toBe('module');
    expect(manifest.engines?.node).toBe('>=20.19');
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'README.md']));
  });

  it('ships the repository LICENSE', () => {
    const license = join(ROOT, 'packages', dir, 'LICENSE');
    expect(existsSync(license)).toBe(true);
    expect(readFileSync(license, 'utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
  });

  it('exports types and JavaScript for every entry, sources only under the workspace condition', () => {
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (subpath === './package.json') continue;
      expect(Object.keys(target as object)).toEqual(['@kubediag/source', 'types', 'default']);
      const { types, default: js } = target as { types: string; default: string };
      expect(types).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      expect(js).toMatch(/^\.\/dist\/.*\.js$/);
    }
  });

  it('has the README headings every package shares, and installs with npm', () => {
    for (const heading of ['## Install', '## Usage', '## Options', '## Errors', '## Security'])
      expect(readme, heading).toContain(`\n${heading}`);
    expect(readme).not.toMatch(/^(pnpm add|yarn add)/m);
    expect(readme).toMatch(
      new RegExp(`^npm install (--save-dev )?${manifest.name.replace('/', '\\/')}`, 'm'),
    );
  });

  it('links only absolutely, so that links work on the npm page', () => {
    const relative = [...readme.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^(https?:|mailto:|#)/.test(target));
    expect(relative).toEqual([]);
  });

  it('uses ranges for shared dependencies and workspace:* between kubediag packages', () => {
    for (const [name, spec] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (name.startsWith('@kubediag/')) expect(spec, name).toBe('workspace:*');
      else if (PINNED.has(name)) expect(spec, name).toMatch(/^\d+\.\d+\.\d+$/);
      else expect(spec, name).toMatch(/^(\^|>=)/);
    }
  });
});
