import type { KeyValues, Logger, Verbose, VerbosityControl } from './types.ts';
import { KlogError, KlogErrorCode } from './errors.ts';
import { applyLoggerOptions } from './options.ts';
import type { LoggerOptions } from './options.ts';
import type { OutputControl } from './output.ts';
import { VerbosityState, verbosityStateFor } from './verbosity.ts';
import { HeaderFormatter } from './internal/header.ts';
import { NO_CALLER, callerFrame, callerInfo, captureCaller } from './internal/caller.ts';
import { createSink } from './internal/create-sink.ts';
import type { Sink } from './internal/sink.ts';
import { EMPTY_PREFIX, formatCallKVs, makePrefix, mergeEntries, toEntries } from './internal/kv.ts';
import type { Entry, EntryEncoder, Prefix } from './internal/kv.ts';
import { FAMILY, NO_OUTPUT, familyOf } from './internal/family.ts';
import type { Family } from './internal/family.ts';
import { goQuote } from './internal/go-quote.ts';
import { textValue } from './internal/text-values.ts';
import { jsonString, jsonTimestamp, jsonValue } from './internal/json-values.ts';

/** What a logger family shares: verbosity state, output and format. */
interface Core {
  readonly state: VerbosityState;
  readonly sink: Sink;
  readonly json: boolean;
  readonly caller: boolean;
  readonly clock: () => number;
  readonly header: HeaderFormatter;
  readonly encode: EntryEncoder;
  readonly output: OutputControl;
}

const textEntry: EntryEncoder = (key, value) => ' ' + key + textValue(value);
const jsonEntry: EntryEncoder = (key, value) => ',' + jsonString(key) + ':' + jsonValue(value);

class DisabledVerbose implements Verbose {
  readonly enabled = false;
  info(): void {}
}

/** The one object every disabled `V(n)` returns: no allocation, nothing to do. */
const DISABLED: Verbose = Object.freeze(new DisabledVerbose());

const VERBOSE_CACHE = 16;
const DROP_MESSAGE = 'Log output could not keep up; lines were dropped';

class EnabledVerbose implements Verbose {
  readonly enabled = true;
  constructor(
    private readonly logger: KLogger,
    private readonly level: number,
  ) {}

  info(msg: string, kv?: KeyValues): void {
    this.logger.emit('I', this.level, false, undefined, msg, kv, VERBOSE_INFO);
  }
}

class KLogger implements Logger {
  readonly [FAMILY]: Family;
  private readonly verboseCache: (Verbose | undefined)[] = [];
  private nameGeneration = -1;
  private nameLevel = -1;
  private readonly nameJson: string;
  private readonly state: VerbosityState;

  constructor(
    readonly core: Core,
    readonly name: string,
    private readonly valueEntries: readonly Entry[],
    private readonly prefix: Prefix,
  ) {
    this.nameJson = name === '' ? '' : JSON.stringify(name);
    this.state = core.state;
    this[FAMILY] = core;
  }

  info(msg: string, kv?: KeyValues): void {
    this.emit('I', 0, false, undefined, msg, kv, LOGGER_INFO);
  }

  warning(msg: string, kv?: KeyValues): void {
    // Level 0: component-base's JSON logger receives klog's Warning as logr Info, so `"v":0` there.
    this.emit('W', 0, false, undefined, msg, kv, LOGGER_WARNING);
  }

  error(err: unknown, msg: string, kv?: KeyValues): void {
    this.emit('E', -1, err !== null && err !== undefined, err, msg, kv, LOGGER_ERROR);
  }

  V(level: number): Verbose {
    // One comparison when the level is above everything -v and vmodule can enable; kept tiny so
    // that V8 inlines it and the disabled call costs about nothing.
    return level > this.state.threshold ? DISABLED : this.enabledOrVModule(level);
  }

  private enabledOrVModule(level: number): Verbose {
    return level <= this.state.v ? this.verbose(level) : this.vmoduleVerbose(level);
  }

  withName(name: string): Logger {
    const full = this.name === '' ? name : this.name + '.' + name;
    return new KLogger(this.core, full, this.valueEntries, buildPrefix(this.core, full, this.valueEntries));
  }

  withValues(kv: KeyValues): Logger {
    const entries = this.valueEntries.concat(toEntries(kv, this.core.encode));
    return new KLogger(this.core, this.name, entries, buildPrefix(this.core, this.name, entries));
  }

  private verbose(level: number): Verbose {
    if (level >= 0 && level < VERBOSE_CACHE && Number.isInteger(level)) {
      return (this.verboseCache[level] ??= new EnabledVerbose(this, level));
    }
    return new EnabledVerbose(this, level);
  }

  // The vmodule rule: the first entry matching the logger name decides; when no entry matches the
  // name, the first entry matching the caller's file (base name without extension) decides.
  private vmoduleVerbose(level: number): Verbose {
    const state = this.core.state;
    if (this.name !== '') {
      if (this.nameGeneration !== state.generation) {
        this.nameLevel = state.levelFor(this.name);
        this.nameGeneration = state.generation;
      }
      if (this.nameLevel >= 0) return level <= this.nameLevel ? this.verbose(level) : DISABLED;
    }
    // V() is the frame to cut: its caller is the user's call site (vmoduleVerbose and
    // enabledOrVModule sit below V on the stack and are cut with it).
    const frame = callerFrame(LOGGER_V);
    if (frame === undefined) return DISABLED;
    return level <= state.siteLevel(frame, callerInfo(frame).module) ? this.verbose(level) : DISABLED;
  }

  /** Formats and writes one line. `level` is -1 for errors (no "v" in JSON). */
  emit(
    severity: string,
    level: number,
    hasErr: boolean,
    err: unknown,
    msg: string,
    kv: KeyValues | undefined,
    fn: (...args: never[]) => unknown,
  ): void {
    const core = this.core;
    try {
      const caller = core.caller ? captureCaller(fn) : NO_CALLER;
      const ts = core.clock();
      let line: string;
      if (core.json) {
        line = '{"ts":' + jsonTimestamp(ts);
        if (this.nameJson !== '') line += ',"logger":' + this.nameJson;
        if (core.caller) line += ',"caller":' + caller.jsonShort;
        line +=
          ',"msg":' +
          jsonString(typeof msg === 'string' ? msg : String(msg)) +
          formatCallKVs(kv, this.prefix, core.encode, level >= 0 ? ',"v":' + level : '');
        if (hasErr) line += ',"err":' + jsonValue(err);
        line += '}\n';
      } else {
        line =
          core.header.format(severity, ts, caller.location) +
          goQuote(typeof msg === 'string' ? msg : String(msg)) +
          (hasErr ? ' err' + textValue(err) : '') +
          formatCallKVs(kv, this.prefix, core.encode, '') +
          '\n';
      }
      core.sink.write(line);
    } catch {
      // Logging never throws into the caller; a line that cannot be produced is counted.
      core.sink.drop();
    }
  }
}

// The public methods, used only as Error.captureStackTrace cut-off markers (never called through
// these references): the first frame above the marker is the user's call site.
type Marker = (...args: never[]) => unknown;
function marker(proto: object, name: string): Marker {
  return Object.getOwnPropertyDescriptor(proto, name)?.value as Marker;
}
const VERBOSE_INFO = marker(EnabledVerbose.prototype, 'info');
const LOGGER_INFO = marker(KLogger.prototype, 'info');
const LOGGER_WARNING = marker(KLogger.prototype, 'warning');
const LOGGER_ERROR = marker(KLogger.prototype, 'error');
const LOGGER_V = marker(KLogger.prototype, 'V');

function buildPrefix(core: Core, name: string, values: readonly Entry[]): Prefix {
  // Text: the name is a `logger` pair before every WithValues pair (klog textlogger).
  // JSON: the name is zap's separate "logger" field.
  const seq =
    !core.json && name !== '' ? [{ key: 'logger', text: textEntry('logger', name) }, ...values] : values;
  if (seq.length === 0) return EMPTY_PREFIX;
  return makePrefix(mergeEntries([], seq));
}

class DiscardLogger implements Logger {
  readonly [FAMILY]: Family;
  constructor(state: VerbosityState) {
    this[FAMILY] = { state, output: NO_OUTPUT };
  }
  info(): void {}
  warning(): void {}
  error(): void {}
  V(): Verbose {
    return DISABLED;
  }
  withName(): Logger {
    return this;
  }
  withValues(): Logger {
    return this;
  }
}

function outputControl(sink: Sink, exitFlushTimeoutMs: number): OutputControl {
  return {
    get droppedLines() {
      return sink.droppedLines;
    },
    get bufferedBytes() {
      return sink.bufferedBytes;
    },
    flush: () => sink.flush(),
    flushSync: (timeoutMs = exitFlushTimeoutMs) => sink.flushSync(timeoutMs),
    close: () => sink.close(),
  };
}

/**
 * Creates a klog-style logger. Children from `withName`/`withValues` share its verbosity state
 * (see {@link getVerbosityControl}) and its output (see {@link getOutputControl}).
 * Throws a KlogError (`KDIAG_KLOG_INVALID_OPTIONS`) listing every invalid option.
 */
export function createLogger(options?: LoggerOptions): Logger {
  const o = applyLoggerOptions(options);
  const state = verbosityStateFor(o);
  const sink = createSink(o.output, o.maxBufferedBytes, o.exitFlushTimeoutMs);
  const json = o.format === 'json';
  const clock = o.clock;
  const header = new HeaderFormatter(process.pid);
  const core: Core = {
    state,
    sink,
    json,
    caller: o.caller,
    clock,
    header,
    encode: json ? jsonEntry : textEntry,
    output: outputControl(sink, o.exitFlushTimeoutMs),
  };
  sink.reportDrops = (dropped) => {
    const ts = clock();
    if (json)
      return `{"ts":${jsonTimestamp(ts)},"msg":${JSON.stringify(DROP_MESSAGE)},"v":0,"droppedLines":${dropped}}\n`;
    return (
      header.format('W', ts, NO_CALLER.location) + goQuote(DROP_MESSAGE) + ' droppedLines=' + dropped + '\n'
    );
  };
  return new KLogger(core, '', [], EMPTY_PREFIX);
}

/** A logger that writes nothing (tests, "logging off"); its verbosity control still works. */
export function createDiscardLogger(): Logger {
  return new DiscardLogger(new VerbosityState(0, ''));
}

function notALogger(what: string): KlogError {
  return new KlogError(
    KlogErrorCode.NOT_A_LOGGER,
    `${what}: expected a logger from createLogger(), got another object`,
  );
}

/**
 * The verbosity state shared by `logger`, its parent and all its children: setting it changes
 * every one of them at once.
 */
export function getVerbosityControl(logger: Logger): VerbosityControl {
  const family = familyOf(logger);
  if (family === undefined) throw notALogger('get verbosity control');
  return family.state;
}

/** The output of `logger`'s family: drop counter, flush and close for shutdown. */
export function getOutputControl(logger: Logger): OutputControl {
  const family = familyOf(logger);
  if (family === undefined) throw notALogger('get output control');
  return family.output;
}
