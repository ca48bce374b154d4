// What the diagnostics port holds at rest: nothing it does not use.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
// A line of ISRG Root X1, one of the root certificates Node bundles.
const ROOT_CERTIFICATE_LINE = 'MIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAw';

describe('unit: idle memory of the diagnostics port', () => {
  it("never parses Node's bundled root certificates (no ESM import of node:tls)", async () => {
    // A fresh process: in this one, vitest may have read them already.
    const dir = await mkdtemp(join(tmpdir(), 'kdiag-roots-'));
    try {
      const snapshot = join(dir, 'idle.heapsnapshot');
      await promisify(execFile)(
        process.execPath,
        [
          '--conditions=@kubediag/source',
          '--import',
          'tsx',
          'test/support/root-certificates-main.ts',
          snapshot,
        ],
        { cwd: PACKAGE_DIR, timeout: 60_000 },
      );
      const heap = await readFile(snapshot, 'utf8');
      expect(heap.length).toBeGreaterThan(1_000_000);
      expect(heap.includes(ROOT_CERTIFICATE_LINE)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
