import { KlogError } from './errors.ts';
import type { OptionProblem } from './errors.ts';
import type { LogOutput } from './output.ts';
import type { VerbosityControl } from './types.ts';
import { MAX_VERBOSITY, VerbosityState } from './verbosity.ts';
import { parseVModule } from './vmodule.ts';

/** Line format: klog text (`I1122 ...] "msg" k="v"`) or component-base JSON. */
export type LogFormat = 'text' | 'json';

/** Options of {@link createLogger}. Every field is optional. */
export interface LoggerOptions {
  /**
   * Global `-v`: `V(n)` lines are written when `n <= verbosity`. Integer in 0..2147483647.
   * Change it at runtime with {@link getVerbosityControl} (or `PUT /debug/flags/v`).
   * @default 0
   */
  verbosity?: number;
  /**
   * klog `-vmodule` spec `pattern=N,...`: a Go glob (or literal) over the caller file's base name
   * without extension, or over the logger name (see the README's vmodule rule). Invalid specs throw
   * with klog's error text.
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
   * when a line is written). `false` writes `???:1` in the text header and omits JSON `caller`.
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
   * Share the verbosity state of another logger family (from {@link getVerbosityControl}), e.g. a
   * text logger on stderr and a JSON audit logger that follow one `-v`. When set, `verbosity` and
   * `vmodule` must be left unset.
   * @default a new state
   */
  verbosityControl?: VerbosityControl;
}

/** Defaults of {@link LoggerOptions} (output and clock default to process.stderr and the wall clock). */
export const DEFAULT_LOGGER_OPTIONS: Readonly<{
  verbosity: number;
  vmodule: string;
  format: LogFormat;
  caller: boolean;
  maxBufferedBytes: number;
  exitFlushTimeoutMs: number;
}> = Object.freeze({
  verbosity: 0,
  vmodule: '',
  format: 'text',
  caller: true,
  maxBufferedBytes: 8 * 1024 * 1024,
  exitFlushTimeoutMs: 1000,
});

/** LoggerOptions with every default filled in. */
export interface ResolvedLoggerOptions {
  readonly verbosity: number;
  readonly vmodule: string;
  readonly format: LogFormat;
  readonly output: LogOutput;
  readonly caller: boolean;
  readonly clock: (() => number) | undefined;
  readonly maxBufferedBytes: number;
  readonly exitFlushTimeoutMs: number;
  readonly verbosityControl: VerbosityControl | undefined;
}

/** Fills defaults with `??`. */
export function resolveLoggerOptions(o: LoggerOptions = {}): ResolvedLoggerOptions {
  const d = DEFAULT_LOGGER_OPTIONS;
  return {
    verbosity: o.verbosity ?? d.verbosity,
    vmodule: o.vmodule ?? d.vmodule,
    format: o.format ?? d.format,
    output: o.output ?? process.stderr,
    caller: o.caller ?? d.caller,
    clock: o.clock,
    maxBufferedBytes: o.maxBufferedBytes ?? d.maxBufferedBytes,
    exitFlushTimeoutMs: o.exitFlushTimeoutMs ?? d.exitFlushTimeoutMs,
    verbosityControl: o.verbosityControl,
  };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return 'undefined';
}

/** Every problem of `o` (after resolution), as `{ path, message }`. Empty when valid. */
export function validateLoggerOptions(o: ResolvedLoggerOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const v = o.verbosity as unknown;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_VERBOSITY) {
    problems.push({
      path: 'verbosity',
      message: `expected an integer in 0..${MAX_VERBOSITY}, got ${describe(v)}`,
    });
  }
  if (typeof o.vmodule !== 'string') {
    problems.push({
      path: 'vmodule',
      message: `expected a string "pattern=N,...", got ${describe(o.vmodule)}`,
    });
  } else {
    try {
      parseVModule(o.vmodule);
    } catch (e) {
      problems.push({ path: 'vmodule', message: (e as Error).message });
    }
  }
  if (o.format !== 'text' && o.format !== 'json') {
    problems.push({ path: 'format', message: `expected "text" or "json", got ${describe(o.format)}` });
  }
  const out = o.output as unknown;
  if (typeof out !== 'object' || out === null || typeof (out as { write?: unknown }).write !== 'function') {
    if (!(typeof out === 'object' && out !== null && typeof (out as { fd?: unknown }).fd === 'number')) {
      problems.push({
        path: 'output',
        message: `expected a Writable or an object with write(string), got ${describe(out)}`,
      });
    }
  }
  if (typeof o.caller !== 'boolean')
    problems.push({ path: 'caller', message: `expected a boolean, got ${describe(o.caller)}` });
  if (o.clock !== undefined && typeof o.clock !== 'function') {
    problems.push({
      path: 'clock',
      message: `expected a function returning epoch milliseconds, got ${describe(o.clock)}`,
    });
  }
  if (!Number.isInteger(o.maxBufferedBytes) || o.maxBufferedBytes < 1024) {
    problems.push({
      path: 'maxBufferedBytes',
      message: `expected an integer >= 1024, got ${describe(o.maxBufferedBytes)}`,
    });
  }
  if (!Number.isFinite(o.exitFlushTimeoutMs) || o.exitFlushTimeoutMs < 0) {
    problems.push({
      path: 'exitFlushTimeoutMs',
      message: `expected a number >= 0, got ${describe(o.exitFlushTimeoutMs)}`,
    });
  }
  if (o.verbosityControl !== undefined && !(o.verbosityControl instanceof VerbosityState)) {
    problems.push({
      path: 'verbosityControl',
      message: 'expected a control from getVerbosityControl(), got another object',
    });
  }
  return problems;
}

/** Throws a KlogError listing every problem, if any. */
export function assertLoggerOptions(o: ResolvedLoggerOptions, given: LoggerOptions): void {
  const problems = validateLoggerOptions(o);
  if (o.verbosityControl !== undefined && (given.verbosity !== undefined || given.vmodule !== undefined)) {
    problems.push({
      path: 'verbosityControl',
      message: 'expected verbosity and vmodule to be unset when sharing a control, got both',
    });
  }
  if (problems.length > 0) {
    throw new KlogError(
      'KDIAG_KLOG_INVALID_OPTIONS',
      `create logger: invalid options: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { problems },
    );
  }
}
