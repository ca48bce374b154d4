import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOGGER_OPTIONS,
  KlogError,
  createLogger,
  getVerbosityControl,
  resolveLoggerOptions,
  validateLoggerOptions,
} from '../src/index.ts';
import type { LoggerOptions } from '../src/index.ts';

describe('logger options', () => {
  it('fills documented defaults', () => {
    const o = resolveLoggerOptions();
    expect(o).toMatchObject({
      verbosity: 0,
      vmodule: '',
      format: 'text',
      caller: true,
      maxBufferedBytes: 8 * 1024 * 1024,
    });
    expect(o.output).toBe(process.stderr);
    expect(Object.isFrozen(DEFAULT_LOGGER_OPTIONS)).toBe(true);
  });

  it('keeps explicit falsy values (?? not ||)', () => {
    expect(resolveLoggerOptions({ caller: false, verbosity: 0 })).toMatchObject({
      caller: false,
      verbosity: 0,
    });
  });

  it('reports every problem with its field path', () => {
    const bad = {
      verbosity: -1,
      vmodule: 'x',
      format: 'xml',
      output: 42,
      caller: 'yes',
      clock: 'now',
      maxBufferedBytes: 10,
    } as unknown as LoggerOptions;
    expect(validateLoggerOptions(resolveLoggerOptions(bad)).map((p) => p.path)).toEqual([
      'verbosity',
      'vmodule',
      'format',
      'output',
      'caller',
      'clock',
      'maxBufferedBytes',
    ]);
  });

  it('throws KDIAG_KLOG_INVALID_OPTIONS with expected-got messages', () => {
    let err: unknown;
    try {
      createLogger({ verbosity: 2147483648, output: { write: () => true } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KlogError);
    expect(err).toMatchObject({
      code: 'KDIAG_KLOG_INVALID_OPTIONS',
      message:
        'create logger: invalid options: verbosity: expected an integer in 0..2147483647, got 2147483648',
      problems: [{ path: 'verbosity', message: 'expected an integer in 0..2147483647, got 2147483648' }],
    });
  });

  it('rejects verbosity or vmodule next to a shared control', () => {
    const a = createLogger({ output: { write: () => true } });
    expect(() =>
      createLogger({
        output: { write: () => true },
        verbosity: 3,
        verbosityControl: getVerbosityControl(a),
      }),
    ).toThrow('verbosityControl: expected verbosity and vmodule to be unset');
  });
});
