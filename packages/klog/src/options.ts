import {
  all,
  applyOptions,
  boolean,
  checkValue,
  custom,
  formatProblems,
  func,
  integer,
  isPlainObject,
  matches,
  number,
  object,
  oneOf,
  string,
  withDefaults,
  type OptionProblem,
  type Shape,
} from '@kubediag/options';
import { KlogError, KlogErrorCode } from './errors.ts';
import { wallClock } from './internal/clock.ts';
import { isFileOutput, type LogOutput } from './output.ts';
import type { VerbosityControl } from './types.ts';
import { MAX_VERBOSITY, VerbosityState, type ResolvedLevels } from './verbosity.ts';
import { parseVModule } from './vmodule.ts';

/** Line format: klog text (`I1122 ...] "msg" k="v"`) or component-base JSON. */
export type LogFormat = 'text' | 'json';

/** Options of `createLogger`. Every field is optional. */
export interface LoggerOptions {
  /**
   * Global `-v`: `V(n)` lines are written when `n <= verbosity`. Integer from 0 to 2147483647.
   * Change it at runtime with `getVerbosityControl` (or `PUT /debug/flags/v`).
   * @default 0
   */
  verbosity?: number;
  /**
   * klog `-vmodule` spec `pattern=N,...`: a Go glob (or literal) over the caller file's base name
   * without extension, or over the logger name (see the README's vmodule rule). Invalid specs are
   * refused with klog's error text.
   * @default '' (off)
   */
  vmodule?: string;
  /** Line format. @default 'text' */
  format?: LogFormat;
  /**
   * Destination of every line, info and error alike (klog and component-base both default to
   * stderr). `process.stdout`/`process.stderr` are written through their file descriptor without
   * blocking on a slow pipe.
   * @default process.stderr
   */
  output?: LogOutput;
  /**
   * Capture the caller's `file:line` for each written line (a one-frame stack trace, taken only
   * when a line is written). Off switch: `false` writes `???:1` in the text header and omits JSON
   * `caller`.
   * @default true
   */
  caller?: boolean;
  /**
   * Clock returning epoch milliseconds (fractions give microseconds). A seam for tests.
   * @default wall clock with microsecond digits
   */
  clock?: () => number;
  /**
   * Bound of the output buffer: bytes not yet accepted by a slow destination. A line that does
   * not fit is dropped and counted; the count is logged once the buffer drains. Set a larger bound
   * to drop later; there is no "unbounded" setting.
   * @default 8 MiB
   */
  maxBufferedBytes?: number;
  /** How long the `exit` handler may wait for a slow pipe to take buffered lines. @default 1000 */
  exitFlushTimeoutMs?: number;
  /**
   * Share the verbosity state of another logger family (from `getVerbosityControl`), e.g. a
   * text logger on stderr and a JSON audit logger that follow one `-v`. When set, `verbosity` and
   * `vmodule` must be left unset.
   * @default a new state
   */
  verbosityControl?: VerbosityControl;
}

/** LoggerOptions with every default filled in; assignable to LoggerOptions. */
export type ResolvedLoggerOptions = ResolvedLevels & {
  readonly format: LogFormat;
  readonly output: LogOutput;
  readonly caller: boolean;
  readonly clock: () => number;
  readonly maxBufferedBytes: number;
  readonly exitFlushTimeoutMs: number;
};

/** Options of `createFileOutput`. */
export interface FileOutputOptions {
  /** Append to an existing file. Off switch: `false` truncates it. @default true */
  readonly append?: boolean;
}

/** FileOutputOptions with every default filled in; assignable to FileOutputOptions. */
export interface ResolvedFileOutputOptions {
  readonly append: boolean;
}

/** Options of `createPinoLogger`: the klog gate in front of pino. */
export interface PinoLoggerOptions {
  /** Global `-v` of the klog gate. @default 0 */
  readonly verbosity?: number;
  /** vmodule spec (logger names and caller files, as for createLogger). @default '' (off) */
  readonly vmodule?: string;
  /**
   * Share another family's verbosity control; `verbosity` and `vmodule` must then be left unset.
   * @default a new state
   */
  readonly verbosityControl?: VerbosityControl;
}

/** PinoLoggerOptions with every default filled in; assignable to PinoLoggerOptions. */
export type ResolvedPinoLoggerOptions = ResolvedLevels;

const LEVEL_DEFAULTS = Object.freeze({ verbosity: 0, vmodule: '' });
const LOGGER_DEFAULTS = Object.freeze({
  format: 'text',
  output: undefined, // process.stderr, read in resolveLoggerOptions
  caller: true,
  clock: wallClock,
  maxBufferedBytes: 8 * 1024 * 1024,
  exitFlushTimeoutMs: 1000,
});
const FILE_OUTPUT_DEFAULTS: ResolvedFileOutputOptions = Object.freeze({ append: true });

const LEVEL_FIELDS: Shape = {
  verbosity: integer({ min: 0, max: MAX_VERBOSITY }),
  vmodule: all(
    string({ allowEmpty: true, expected: 'a vmodule spec "pattern=N,..."' }),
    custom(vmoduleProblem),
  ),
  verbosityControl: matches((v) => v instanceof VerbosityState, 'a control from getVerbosityControl()'),
};
const LOGGER_SHAPE = object({
  ...LEVEL_FIELDS,
  format: oneOf(['text', 'json']),
  output: matches(isLogOutput, 'a Writable, an object with write(string) or a createFileOutput()'),
  caller: boolean(),
  clock: func('a function returning epoch milliseconds'),
  maxBufferedBytes: integer({ min: 1024 }),
  exitFlushTimeoutMs: number({ min: 0 }),
});
const PINO_LOGGER_SHAPE = object(LEVEL_FIELDS);
const FILE_OUTPUT_SHAPE = object({ append: boolean() });

/** klog's own text for a spec it would reject. */
function vmoduleProblem(spec: unknown): string | undefined {
  try {
    parseVModule(spec as string);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function isLogOutput(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (typeof (value as { write?: unknown }).write === 'function' || isFileOutput(value))
  );
}

/** A shared control carries the levels: none is filled in, so that validation sees those given. */
function levelDefaults(options: unknown): object {
  const shared = isPlainObject(options) && options['verbosityControl'] !== undefined;
  return shared ? {} : LEVEL_DEFAULTS;
}

/** Levels given next to a shared control, which would be silently ignored. */
function levelsBesideControl(resolved: unknown): OptionProblem[] {
  if (!isPlainObject(resolved) || resolved['verbosityControl'] === undefined) return [];
  const given = ['verbosity', 'vmodule'].filter((key) => resolved[key] !== undefined);
  if (given.length === 0) return [];
  return [
    {
      path: 'verbosityControl',
      message: `expected verbosity and vmodule to be unset when sharing a control, got ${given.join(' and ')}`,
    },
  ];
}

function invalid(what: string): (problems: readonly OptionProblem[]) => KlogError {
  return (problems) =>
    new KlogError(KlogErrorCode.INVALID_OPTIONS, `${what}: invalid options: ${formatProblems(problems)}`, {
      problems,
    });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveLoggerOptions(options?: LoggerOptions): ResolvedLoggerOptions {
  // process.stderr is read here, not at import: reading it creates the stream.
  const defaults = { ...levelDefaults(options), ...LOGGER_DEFAULTS, output: process.stderr };
  return withDefaults<ResolvedLoggerOptions>(defaults, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateLoggerOptions(resolved: ResolvedLoggerOptions): OptionProblem[] {
  return [...checkValue(LOGGER_SHAPE, resolved), ...levelsBesideControl(resolved)];
}

/** 3. apply: resolve → validate → throw once. Internal; createLogger calls it. */
export function applyLoggerOptions(options?: LoggerOptions): ResolvedLoggerOptions {
  return applyOptions(options, {
    resolve: resolveLoggerOptions,
    validate: validateLoggerOptions,
    invalid: invalid('create logger'),
  });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolvePinoLoggerOptions(options?: PinoLoggerOptions): ResolvedPinoLoggerOptions {
  return withDefaults<ResolvedPinoLoggerOptions>(levelDefaults(options), options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validatePinoLoggerOptions(resolved: ResolvedPinoLoggerOptions): OptionProblem[] {
  return [...checkValue(PINO_LOGGER_SHAPE, resolved), ...levelsBesideControl(resolved)];
}

/** 3. apply: resolve → validate → throw once. Internal; createPinoLogger calls it. */
export function applyPinoLoggerOptions(options?: PinoLoggerOptions): ResolvedPinoLoggerOptions {
  return applyOptions(options, {
    resolve: resolvePinoLoggerOptions,
    validate: validatePinoLoggerOptions,
    invalid: invalid('create pino logger'),
  });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveFileOutputOptions(options?: FileOutputOptions): ResolvedFileOutputOptions {
  return withDefaults<ResolvedFileOutputOptions>(FILE_OUTPUT_DEFAULTS, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateFileOutputOptions(resolved: ResolvedFileOutputOptions): OptionProblem[] {
  return checkValue(FILE_OUTPUT_SHAPE, resolved);
}

/** 3. apply: resolve → validate → throw once. Internal; createFileOutput calls it. */
export function applyFileOutputOptions(options?: FileOutputOptions): ResolvedFileOutputOptions {
  return applyOptions(options, {
    resolve: resolveFileOutputOptions,
    validate: validateFileOutputOptions,
    invalid: invalid('create file output'),
  });
}
