import { formatProblems, type OptionProblem } from '@kubediag/options';
import { KlogError, KlogErrorCode } from './errors.ts';
import {
  resolveLoggerOptions,
  validateLoggerOptions,
  type LogFormat,
  type LoggerOptions,
} from './options.ts';
import { goQuote } from './internal/go-quote.ts';
import { goParseUint } from './internal/go-strconv.ts';

/** The `node:util` parseArgs option fragment for `-v`/`--v`, `--vmodule` and `--logging-format`. */
export interface LoggingFlagOptions {
  readonly v: { readonly type: 'string'; readonly short: 'v' };
  readonly vmodule: { readonly type: 'string' };
  readonly 'logging-format': { readonly type: 'string' };
}

/**
 * Spread into `parseArgs({ options: { ...loggingFlagOptions, ... } })`. Accepts `-v 4`, `-v4`,
 * `--v=4`, `--v 4` and Go's `-v=4`; `--vmodule=a=2,b*=4`; `--logging-format=json`.
 */
export const loggingFlagOptions: LoggingFlagOptions = Object.freeze({
  v: Object.freeze({ type: 'string', short: 'v' } as const),
  vmodule: Object.freeze({ type: 'string' } as const),
  'logging-format': Object.freeze({ type: 'string' } as const),
});

/**
 * The parsed values parseArgs returns for {@link loggingFlagOptions}. Other keys are ignored: they
 * are the program's other flags, and parseArgs (with `strict`) already refuses unknown ones.
 */
export interface LoggingFlagValues {
  readonly v?: string | boolean | undefined;
  readonly vmodule?: string | boolean | undefined;
  readonly 'logging-format'?: string | boolean | undefined;
}

/** Usage lines for the three flags, in the words of component-base. */
export const LOGGING_FLAGS_USAGE: string = [
  '  -v, --v Level                  number for the log level verbosity',
  '      --vmodule pattern=N,...    comma-separated list of pattern=N settings for file-filtered logging',
  '                                 (also matches logger names)',
  '      --logging-format string    Sets the log format. Permitted formats: "json", "text". (default "text")',
].join('\n');

function flagError(value: string, flag: string, why: string): string {
  // pflag's wrapping: invalid argument "<value>" for "<flag>" flag: <error>
  return `invalid argument ${goQuote(value)} for "${flag}" flag: ${why}`;
}

// component-base VModuleConfiguration.Set: ParseUint(N, 10, 31), its own error texts.
function parseVModuleFlag(value: string, problems: OptionProblem[]): string | undefined {
  const items: string[] = [];
  for (const item of value.split(',')) {
    if (item.length === 0) continue;
    const parts = item.split('=');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      problems.push({
        path: 'vmodule',
        message: flagError(value, '--vmodule', `${goQuote(item)} does not have the pattern=N format`),
      });
      return undefined;
    }
    const level = goParseUint(parts[1]!, 31);
    if (!level.ok) {
      problems.push({
        path: 'vmodule',
        message: flagError(value, '--vmodule', `parsing verbosity in ${goQuote(item)}: ${level.error}`),
      });
      return undefined;
    }
    items.push(`${parts[0]!}=${level.value}`);
  }
  return items.join(',');
}

/**
 * Turns parsed flag values into LoggerOptions (merged over `base`). Throws a KlogError
 * (`KDIAG_KLOG_INVALID_FLAGS`) whose `problems` carry the flag name as `path` and component-base's
 * message, e.g. `{ path: 'v', message: 'invalid argument "x" for "-v, --v" flag: strconv.ParseUint: parsing "x": invalid syntax' }`;
 * invalid `base` options (a misspelled key, a wrong type) throw `KDIAG_KLOG_INVALID_OPTIONS` first,
 * with the paths createLogger would report.
 */
export function loggerOptionsFromFlags(values: LoggingFlagValues, base: LoggerOptions = {}): LoggerOptions {
  const invalidBase = validateLoggerOptions(resolveLoggerOptions(base));
  if (invalidBase.length > 0) {
    throw new KlogError(
      KlogErrorCode.INVALID_OPTIONS,
      `parse logging flags: invalid base options: ${formatProblems(invalidBase)}`,
      { problems: invalidBase },
    );
  }
  const problems: OptionProblem[] = [];
  const options: LoggerOptions = { ...base };
  const v = values.v;
  if (typeof v === 'string') {
    // Go's `-v=4` reaches parseArgs as the short flag `-v` with the value "=4".
    const raw = v.startsWith('=') ? v.slice(1) : v;
    const parsed = goParseUint(raw, 31);
    if (parsed.ok) options.verbosity = parsed.value;
    else problems.push({ path: 'v', message: flagError(raw, '-v, --v', parsed.error) });
  } else if (v !== undefined) {
    problems.push({ path: 'v', message: 'flag needs an argument: -v' });
  }
  const vmodule = values.vmodule;
  if (typeof vmodule === 'string') {
    const spec = parseVModuleFlag(vmodule, problems);
    if (spec !== undefined) options.vmodule = spec;
  } else if (vmodule !== undefined) {
    problems.push({ path: 'vmodule', message: 'flag needs an argument: --vmodule' });
  }
  const format = values['logging-format'];
  if (format === 'text' || format === 'json') {
    options.format = format satisfies LogFormat;
  } else if (typeof format === 'string') {
    problems.push({
      path: 'logging-format',
      message: `Invalid value: ${goQuote(format)}: Unsupported log format`,
    });
  } else if (format !== undefined) {
    problems.push({ path: 'logging-format', message: 'flag needs an argument: --logging-format' });
  }
  if (problems.length > 0) {
    throw new KlogError(KlogErrorCode.INVALID_FLAGS, `parse logging flags: ${formatProblems(problems)}`, {
      problems,
    });
  }
  return options;
}
