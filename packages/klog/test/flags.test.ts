import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KlogError, loggerOptionsFromFlags, loggingFlagOptions } from '../src/index.ts';

function fromArgs(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { ...loggingFlagOptions, port: { type: 'string' } },
    strict: true,
  });
  return loggerOptionsFromFlags(values);
}

function problems(args: string[]) {
  try {
    fromArgs(args);
  } catch (e) {
    expect(e).toBeInstanceOf(KlogError);
    expect((e as KlogError).code).toBe('KDIAG_KLOG_INVALID_FLAGS');
    return (e as KlogError).problems;
  }
  throw new Error('expected the flags to be rejected');
}

describe('logging flags with node:util parseArgs', () => {
  it.each([
    [['-v', '4'], 4],
    [['-v4'], 4],
    [['-v=4'], 4],
    [['--v=4'], 4],
    [['--v', '4'], 4],
    [['--v', '2147483647'], 2147483647],
  ])('reads %j as verbosity %i', (args, v) => {
    expect(fromArgs(args)).toEqual({ verbosity: v });
  });

  it('reads vmodule and the format', () => {
    expect(fromArgs(['--vmodule=a=2,b*=3,', '--logging-format', 'json'])).toEqual({
      vmodule: 'a=2,b*=3',
      format: 'json',
    });
  });

  it('returns an empty options object when no flag is given', () => {
    expect(fromArgs(['--port', '8443'])).toEqual({});
  });

  it('keeps base options that no flag overrides', () => {
    expect(loggerOptionsFromFlags({ v: '3' }, { format: 'json', verbosity: 1 })).toEqual({
      format: 'json',
      verbosity: 3,
    });
  });

  it('reports every bad flag with component-base and pflag texts', () => {
    expect(problems(['--v', 'x', '--vmodule', 'foo=-1', '--logging-format', 'xml'])).toEqual([
      {
        path: 'v',
        message: 'invalid argument "x" for "-v, --v" flag: strconv.ParseUint: parsing "x": invalid syntax',
      },
      {
        path: 'vmodule',
        message:
          'invalid argument "foo=-1" for "--vmodule" flag: parsing verbosity in "foo=-1": strconv.ParseUint: parsing "-1": invalid syntax',
      },
      { path: 'logging-format', message: 'Invalid value: "xml": Unsupported log format' },
    ]);
  });

  it.each([
    [
      '--v=2147483648',
      'invalid argument "2147483648" for "-v, --v" flag: strconv.ParseUint: parsing "2147483648": value out of range',
    ],
    [
      '--vmodule=gopher*',
      'invalid argument "gopher*" for "--vmodule" flag: "gopher*" does not have the pattern=N format',
    ],
    ['--vmodule==1', 'invalid argument "=1" for "--vmodule" flag: "=1" does not have the pattern=N format'],
    [
      '--vmodule=invalidint32=2147483648',
      'invalid argument "invalidint32=2147483648" for "--vmodule" flag: parsing verbosity in "invalidint32=2147483648": strconv.ParseUint: parsing "2147483648": value out of range',
    ],
  ])('rejects %s', (arg, message) => {
    expect(problems([arg])[0]?.message).toBe(message);
  });
});
