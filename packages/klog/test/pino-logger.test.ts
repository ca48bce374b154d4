import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createPinoLogger, getVerbosityControl, type PinoLike } from '../src/index.ts';

function pinoCapture() {
  const lines: Record<string, unknown>[] = [];
  const p = pino(
    { level: 'info', base: null, timestamp: false },
    { write: (s: string) => lines.push(JSON.parse(s)) },
  );
  return { p, lines };
}

describe('createPinoLogger', () => {
  it('gates V(n) with the klog verbosity and writes v, logger and values through pino', () => {
    const { p, lines } = pinoCapture();
    const log = createPinoLogger(p, { verbosity: 2 }).withName('ctrl').withValues(['pod', 'a']);
    log.V(2).info('shown', { k: 1 });
    log.V(3).info('hidden');
    expect(log.V(3).enabled).toBe(false);
    expect(lines).toEqual([{ level: 30, logger: 'ctrl', pod: 'a', v: 2, k: 1, msg: 'shown' }]);
  });

  it('sends errors to pino.error with err, and no err for null', () => {
    const { p, lines } = pinoCapture();
    const log = createPinoLogger(p);
    log.error(new Error('boom'), 'failed', { k: 1 });
    log.error(null, 'no error');
    expect(lines[0]).toMatchObject({
      level: 50,
      k: 1,
      msg: 'failed',
      err: { message: 'boom', type: 'Error' },
    });
    expect(lines[1]).toEqual({ level: 50, msg: 'no error' });
  });

  it('sends warnings to pino.warn with v 0 whatever the verbosity, or to info without warn', () => {
    const { p, lines } = pinoCapture();
    createPinoLogger(p, { verbosity: 0 }).withName('pprof').warning('blocked', { duration: '2.1s' });
    expect(lines).toEqual([{ level: 40, logger: 'pprof', v: 0, duration: '2.1s', msg: 'blocked' }]);

    const infos: unknown[][] = [];
    const noWarn: PinoLike = {
      info: (...args) => infos.push(args),
      error: () => undefined,
      child: () => noWarn,
    };
    createPinoLogger(noWarn).warning('blocked');
    expect(infos).toEqual([[{ v: 0 }, 'blocked']]);
  });

  it('shares its verbosity control with children and applies runtime changes', () => {
    const { p, lines } = pinoCapture();
    const root = createPinoLogger(p);
    const child = root.withName('a').withName('b');
    getVerbosityControl(root).setVerbosity(4);
    child.V(4).info('now');
    expect(lines).toEqual([{ level: 30, logger: 'a.b', v: 4, msg: 'now' }]);
    getVerbosityControl(child).setVModule('a.b=6');
    expect(child.V(6).enabled).toBe(true);
    expect(root.V(6).enabled).toBe(false);
  });
});

describe('caller capture outside vitest (tsx, Node source maps)', () => {
  it('reports the .ts file and line of the call site in both formats', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=@kubediag/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/caller.ts', import.meta.url)),
      ],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const [text, json] = r.stderr.trimEnd().split('\n');
    expect(text).toMatch(/^I\d{4} [\d:.]+ +\d+ caller\.ts:4\] "text line"$/);
    expect(JSON.parse(json!)).toMatchObject({ caller: 'fixtures/caller.ts:5', msg: 'json line', v: 0 });
  });
});
