import { isKubediagError, markValidated, type OptionProblem } from '@kubediag/options';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  KlogError,
  KlogErrorCode,
  createFileOutput,
  createLogger,
  createPinoLogger,
  getVerbosityControl,
  isKlogError,
  loggerOptionsFromFlags,
  resolveLoggerOptions,
  validateLoggerOptions,
  type FileOutputOptions,
  type Logger,
  type LoggerOptions,
  type PinoLoggerOptions,
} from '../src/index.ts';

const quiet = { write: () => true };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function problemsOf(fn: () => unknown): readonly OptionProblem[] {
  const err = thrown(fn);
  expect(isKlogError(err, KlogErrorCode.INVALID_OPTIONS)).toBe(true);
  return (err as KlogError).problems;
}

describe('logger options', () => {
  it('fills documented defaults', () => {
    const o = resolveLoggerOptions();
    expect(o).toMatchObject({
      verbosity: 0,
      vmodule: '',
      format: 'text',
      caller: true,
      maxBufferedBytes: 8 * 1024 * 1024,
      exitFlushTimeoutMs: 1000,
    });
    expect(o.output).toBe(process.stderr);
    expect(typeof o.clock).toBe('function');
    expect(validateLoggerOptions(o)).toEqual([]);
  });

  it('keeps explicit falsy values', () => {
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
      exitFlushTimeoutMs: -1,
    } as unknown as LoggerOptions;
    expect(validateLoggerOptions(resolveLoggerOptions(bad)).map((p) => p.path)).toEqual([
      'verbosity',
      'vmodule',
      'format',
      'output',
      'caller',
      'clock',
      'maxBufferedBytes',
      'exitFlushTimeoutMs',
    ]);
  });

  it('throws KDIAG_KLOG_INVALID_OPTIONS with expected-got messages', () => {
    const err = thrown(() => createLogger({ verbosity: 2147483648, output: quiet }));
    expect(err).toBeInstanceOf(KlogError);
    expect(err).toMatchObject({
      code: 'KDIAG_KLOG_INVALID_OPTIONS',
      message:
        'create logger: invalid options: verbosity: expected an integer from 0 to 2147483647, got 2147483648',
      problems: [{ path: 'verbosity', message: 'expected an integer from 0 to 2147483647, got 2147483648' }],
    });
  });

  it('refuses a misspelled key with its path and a suggestion', () => {
    expect(problemsOf(() => createLogger({ output: quiet, verbosty: 2 } as LoggerOptions))).toEqual([
      { path: 'verbosty', message: 'unknown option; did you mean "verbosity"?' },
    ]);
  });

  it('refuses a wrong type with its path', () => {
    expect(
      problemsOf(() => createLogger({ output: quiet, caller: 'no' } as unknown as LoggerOptions)),
    ).toEqual([{ path: 'caller', message: 'expected a boolean, got "no"' }]);
  });

  it('refuses something other than an options object', () => {
    expect(problemsOf(() => createLogger('verbose' as LoggerOptions))).toEqual([
      { path: '', message: 'expected an options object, got "verbose"' },
    ]);
  });

  it('refuses verbosity or vmodule next to a shared control, also in validate', () => {
    const control = getVerbosityControl(createLogger({ output: quiet }));
    expect(() => createLogger({ output: quiet, verbosity: 3, verbosityControl: control })).toThrow(
      'verbosityControl: expected verbosity and vmodule to be unset when sharing a control, got verbosity',
    );
    expect(
      validateLoggerOptions(
        resolveLoggerOptions({ vmodule: 'a=1', verbosity: 0, verbosityControl: control }),
      ),
    ).toEqual([
      {
        path: 'verbosityControl',
        message:
          'expected verbosity and vmodule to be unset when sharing a control, got verbosity and vmodule',
      },
    ]);
    expect(validateLoggerOptions(resolveLoggerOptions({ verbosityControl: control }))).toEqual([]);
  });

  it('refuses a control not made by getVerbosityControl', () => {
    const fake = { verbosity: 0, setVerbosity() {}, setVModule() {} };
    expect(problemsOf(() => createLogger({ output: quiet, verbosityControl: fake }))).toEqual([
      { path: 'verbosityControl', message: 'expected a control from getVerbosityControl(), got an object' },
    ]);
  });

  it('takes resolved options, and does not validate again what a composition root validated', () => {
    const resolved = resolveLoggerOptions({ output: quiet, verbosity: 2 });
    expect(validateLoggerOptions(resolved)).toEqual([]);
    expect(createLogger(resolved).V(2).enabled).toBe(true);
    // Marked as validated, even a block validation would refuse is taken as it is: checked once only.
    const marked = markValidated({ ...resolved, note: 'added by the composition root' });
    expect(createLogger(marked).V(2).enabled).toBe(true);
  });
});

describe('file output, pino logger and flag options', () => {
  it('refuses a misspelled createFileOutput key before opening anything', () => {
    expect(
      problemsOf(() => createFileOutput('/nonexistent/dir/x.log', { apend: false } as FileOutputOptions)),
    ).toEqual([{ path: 'apend', message: 'unknown option; did you mean "append"?' }]);
    expect(problemsOf(() => createFileOutput(2, { append: 1 } as unknown as FileOutputOptions))).toEqual([
      { path: 'append', message: 'expected a boolean, got 1' },
    ]);
  });

  it('refuses a misspelled or mistyped createPinoLogger key with its path', () => {
    const p = pino({ level: 'info' }, quiet);
    const err = thrown(() => createPinoLogger(p, { vmodul: 'a=1', verbosity: -1 } as PinoLoggerOptions));
    expect(err).toMatchObject({ code: 'KDIAG_KLOG_INVALID_OPTIONS' });
    expect((err as KlogError).message).toBe(
      'create pino logger: invalid options: verbosity: expected an integer from 0 to 2147483647, got -1; vmodul: unknown option; did you mean "vmodule"?',
    );
  });

  it('refuses pino levels next to a shared control', () => {
    const control = getVerbosityControl(createLogger({ output: quiet }));
    expect(
      problemsOf(() => createPinoLogger(pino({}, quiet), { verbosity: 2, verbosityControl: control })),
    ).toEqual([
      {
        path: 'verbosityControl',
        message: 'expected verbosity and vmodule to be unset when sharing a control, got verbosity',
      },
    ]);
  });

  it('refuses misspelled base options of loggerOptionsFromFlags with their path', () => {
    const err = thrown(() => loggerOptionsFromFlags({ v: '2' }, { fromat: 'json' } as LoggerOptions));
    expect(err).toMatchObject({
      code: 'KDIAG_KLOG_INVALID_OPTIONS',
      message: 'parse logging flags: invalid base options: fromat: unknown option; did you mean "format"?',
      problems: [{ path: 'fromat', message: 'unknown option; did you mean "format"?' }],
    });
  });
});

describe('errors', () => {
  it('every error the package throws is a KlogError with a code of KlogErrorCode', () => {
    const control = getVerbosityControl(createLogger({ output: quiet }));
    const foreign = {} as Logger;
    const errors = [
      thrown(() => createLogger({ format: 'xml' } as unknown as LoggerOptions)),
      thrown(() => createFileOutput(1, { append: 'yes' } as unknown as FileOutputOptions)),
      thrown(() => createPinoLogger(pino({}, quiet), { verbosity: 1.5 })),
      thrown(() => loggerOptionsFromFlags({}, { output: 1 } as unknown as LoggerOptions)),
      thrown(() => control.setVerbosity(-1)),
      thrown(() => control.setVModule('a=-1')),
      thrown(() => loggerOptionsFromFlags({ v: 'x' })),
      thrown(() => getVerbosityControl(foreign)),
    ];
    const codes: unknown[] = Object.values(KlogErrorCode);
    for (const err of errors) {
      expect(isKlogError(err)).toBe(true);
      expect(isKubediagError(err)).toBe(true);
      expect(codes).toContain((err as KlogError).code);
      expect((err as KlogError).name).toBe('KlogError');
    }
    expect(new Set(errors.map((e) => (e as KlogError).code))).toEqual(new Set(codes));
  });

  it('codes are KDIAG_KLOG_<KEY>', () => {
    for (const [key, code] of Object.entries(KlogErrorCode)) expect(code).toBe(`KDIAG_KLOG_${key}`);
  });
});
