// Each tarball as npm would publish it, checked by the tools the ecosystem checks packages with:
// publint (the manifest against what the tarball ships) and arethetypeswrong (that TypeScript finds
// types for every entry under every module resolution an ESM-only package supports).
import { readFile } from 'node:fs/promises';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { packWorkspace, type PackedWorkspace } from '../support/pack.ts';

let packed: PackedWorkspace;

beforeAll(async () => {
  packed = await packWorkspace();
}, 600_000);

// The packs are ESM-only for Node >= 20.19, so TypeScript's `node10` resolution (no `exports`) cannot
// see them, by design. A CommonJS `require()` of them works on those Node versions (the consumer
// suite runs one); TypeScript's node16 CommonJS mode still reports it as CJSResolvesToESM, which is
// what it means for an ESM-only package, not a defect.
const EXPECTED_FOR_ESM_ONLY = new Set(['CJSResolvesToESM']);

describe('packed tarballs', () => {
  it('every publishable package was packed', () => {
    expect(Object.keys(packed.tarballs).length).toBeGreaterThanOrEqual(9);
  });

  it('publint finds nothing to warn about in any tarball', async () => {
    const findings: string[] = [];
    for (const [name, file] of Object.entries(packed.tarballs)) {
      const tarball = await readFile(file);
      const { messages, pkg } = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
        level: 'warning',
        strict: true,
      });
      for (const m of messages) findings.push(`${name}: ${m.type} ${m.code}: ${formatMessage(m, pkg) ?? ''}`);
    }
    expect(findings).toEqual([]);
  });

  it('arethetypeswrong: types resolve for every entry under node16 (ESM), nodenext and bundler', async () => {
    const findings: string[] = [];
    for (const [name, file] of Object.entries(packed.tarballs)) {
      const result = await checkPackage(createPackageFromTarballData(new Uint8Array(await readFile(file))));
      if (!('problems' in result)) {
        findings.push(`${name}: not checked (${result.types === false ? 'no types' : 'unknown'})`);
        continue;
      }
      for (const p of result.problems) {
        if (EXPECTED_FOR_ESM_ONLY.has(p.kind)) continue;
        if ('resolutionKind' in p && p.resolutionKind === 'node10') continue;
        findings.push(`${name}: ${p.kind} ${JSON.stringify(p)}`);
      }
    }
    expect(findings).toEqual([]);
  });
});
