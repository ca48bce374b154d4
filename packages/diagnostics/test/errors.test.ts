import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isKubediagError } from '@kubediag/options';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticsErrorCode,
  diagnosticsOptionsFromFlags,
  isDiagnosticsError,
  parseDiagnosticsFlags,
  withDiagnostics,
  type DiagnosticsOptions,
} from '../src/index.ts';

const CODES: readonly string[] = Object.values(DiagnosticsErrorCode);

/** The codes named in the README's `## Errors` section. */
function codesInReadme(): Set<string> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split(/\n## /).find((s) => s.startsWith('Errors\n')) ?? '';
  return new Set(section.match(/KDIAG_[A-Z_]+/g));
}

async function rejection(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

const quiet: DiagnosticsOptions = {
  logging: { output: { write: () => true } },
  metrics: { registry: new Registry(), defaultMetrics: false },
};

describe('DiagnosticsErrorCode', () => {
  it('has SCREAMING_SNAKE keys whose values are KDIAG_DIAGNOSTICS_<KEY>, exactly the codes the README lists', () => {
    for (const [key, value] of Object.entries(DiagnosticsErrorCode)) {
      expect(key).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(value).toBe(`KDIAG_DIAGNOSTICS_${key}`);
    }
    expect(codesInReadme()).toEqual(new Set(CODES));
  });

  it('is the code of every error withDiagnostics and its flags throw, and each code is thrown', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const started = await withDiagnostics({ ...quiet, server: { bindAddress: '0' } });
    await started.start();
    const scenarios: [DiagnosticsErrorCode, () => unknown][] = [
      [
        'KDIAG_DIAGNOSTICS_INVALID_OPTIONS',
        () => withDiagnostics({ server: { bindAdress: ':9443' } } as never),
      ],
      [
        'KDIAG_DIAGNOSTICS_TOKEN_FILE_INVALID',
        () => withDiagnostics({ ...quiet, staticAuth: { tokens: 'no-user' } }),
      ],
      [
        'KDIAG_DIAGNOSTICS_TOKEN_FILE_INVALID',
        () => withDiagnostics({ ...quiet, staticAuth: { tokenFile: '/nonexistent/tokens.csv' } }),
      ],
      ['KDIAG_DIAGNOSTICS_FLAGS_INVALID', () => parseDiagnosticsFlags(['--insecure-diagnostics=maybe'], {})],
      [
        'KDIAG_DIAGNOSTICS_FLAGS_INVALID',
        () => diagnosticsOptionsFromFlags(parseDiagnosticsFlags(['-v=x'], {}).values),
      ],
      ['KDIAG_DIAGNOSTICS_ALREADY_STARTED', () => started.start()],
      [
        'KDIAG_DIAGNOSTICS_START_FAILED',
        async () => {
          const d = await withDiagnostics({
            ...quiet,
            server: { bindAddress: `127.0.0.1:${port}`, secureServing: false },
          });
          try {
            await d.start();
          } finally {
            await d.stop();
          }
        },
      ],
    ];
    try {
      for (const [code, run] of scenarios) {
        const err = await rejection(run);
        expect(isDiagnosticsError(err, code), `${code}: ${String(err)}`).toBe(true);
        expect(isKubediagError(err, code)).toBe(true);
      }
      expect(new Set(scenarios.map(([code]) => code))).toEqual(new Set(CODES));
    } finally {
      await started.stop();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
