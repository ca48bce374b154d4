import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { isKubediagError } from '@kubediag/options';
import {
  createDiagnosticsServer,
  DiagnosticsServerErrorCode,
  isDiagnosticsServerError,
  type DiagnosticsServerOptions,
  type Logger,
} from '../src/index.ts';
import { servingPair } from './support/certificates.ts';

const CODES: readonly string[] = Object.values(DiagnosticsServerErrorCode);

/** A started server's options that reach every start step quickly: no real registry, no pprof. */
const base: DiagnosticsServerOptions = {
  bindAddress: '127.0.0.1:0',
  logger: createDiscardLogger(),
  registry: new Registry(),
  pprofHandler: null,
  filterProvider: null,
};

async function thrownBy(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/** A logger with the klog shape that is not a klog logger: it has no verbosity control. */
const foreignLogger: Logger = {
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  V: () => ({ enabled: false, info: () => undefined }),
  withName: () => foreignLogger,
  withValues: () => foreignLogger,
};

describe('unit: errors', () => {
  it('have SCREAMING_SNAKE keys whose values are KDIAG_SERVER_<KEY>, exactly the codes the README lists', () => {
    for (const [key, value] of Object.entries(DiagnosticsServerErrorCode)) {
      expect(key).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(value).toBe(`KDIAG_SERVER_${key}`);
    }
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('\n## Errors\n');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const listed = new Set(section.match(/KDIAG_[A-Z_]+/g));
    expect(listed).toEqual(new Set(CODES));
  });

  it('every error thrown carries a code of DiagnosticsServerErrorCode, and each code is thrown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kdiag-errors-'));
    const [a, b] = await Promise.all([servingPair(), servingPair()]);
    await writeFile(join(dir, 'tls.crt'), a.certPem);
    await writeFile(join(dir, 'tls.key'), b.keyPem);
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const started = createDiagnosticsServer(base);
    await started.start();
    const noop = (): void => undefined;
    const scenarios: [DiagnosticsServerErrorCode, () => unknown][] = [
      ['KDIAG_SERVER_INVALID_OPTIONS', () => createDiagnosticsServer({ bindAdress: ':9443' } as never)],
      [
        'KDIAG_SERVER_INVALID_OPTIONS',
        () => createDiagnosticsServer({ ...base, logger: foreignLogger }).start(),
      ],
      [
        'KDIAG_SERVER_BUILTIN_OVERRIDE',
        () => createDiagnosticsServer({ ...base, extraHandlers: { '/metrics': noop } }),
      ],
      [
        'KDIAG_SERVER_DUPLICATE_PATH',
        () => createDiagnosticsServer({ ...base, extraHandlers: { '/livez/': noop } }),
      ],
      [
        'KDIAG_SERVER_FILTER_PROVIDER',
        () =>
          createDiagnosticsServer({
            ...base,
            filterProvider: () => Promise.reject(new Error('no kubeconfig')),
          }).start(),
      ],
      ['KDIAG_SERVER_CERTIFICATE', () => createDiagnosticsServer({ ...base, certDir: dir }).start()],
      [
        'KDIAG_SERVER_TLS',
        () => createDiagnosticsServer({ ...base, clientCAFile: join(dir, 'missing.crt') }).start(),
      ],
      [
        'KDIAG_SERVER_LISTEN',
        () => createDiagnosticsServer({ ...base, bindAddress: `127.0.0.1:${port}` }).start(),
      ],
      ['KDIAG_SERVER_STATE', () => started.start()],
      ['KDIAG_SERVER_HEALTH_CHECK', () => started.addReadyzCheck('a/b', noop)],
    ];
    try {
      for (const [code, run] of scenarios) {
        const err = await thrownBy(run);
        expect(isDiagnosticsServerError(err, code), `${code}: ${String(err)}`).toBe(true);
        expect(isKubediagError(err, code)).toBe(true);
        expect(CODES).toContain((err as { code: string }).code);
      }
      expect(new Set(scenarios.map(([code]) => code))).toEqual(new Set(CODES));
    } finally {
      await started.stop(1000);
      await new Promise((resolve) => taken.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
