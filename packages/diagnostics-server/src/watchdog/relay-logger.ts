import { inspect } from 'node:util';
import type { MessagePort } from 'node:worker_threads';
import type { KeyValues, Logger, Verbose } from '../types.ts';

/**
 * One log call made in the worker, as plain data: replayed on the main thread through the server's
 * logger, so that the probe listener's lines keep that logger's format, sink, `-v` and vmodule (which
 * can change at runtime, and which the worker cannot read).
 */
export interface RelayedLine {
  /** `withName` calls, outermost first. */
  readonly names: readonly string[];
  /** `withValues` calls, outermost first. */
  readonly values: readonly KeyValues[];
  readonly severity: 'info' | 'warning' | 'error';
  /** The `V(level)` of an info line; 0 for `info()`. */
  readonly level: number;
  readonly msg: string;
  readonly kv?: KeyValues;
  readonly err?: unknown;
}

/**
 * The worker's Logger: every call becomes a {@link RelayedLine} handed to `send`. `V(n).enabled` is
 * always true here: the main thread's logger decides what is written.
 */
export class RelayLogger implements Logger {
  readonly #send: (line: RelayedLine) => void;
  readonly #names: readonly string[];
  readonly #values: readonly KeyValues[];

  constructor(
    send: (line: RelayedLine) => void,
    names: readonly string[] = [],
    values: readonly KeyValues[] = [],
  ) {
    this.#send = send;
    this.#names = names;
    this.#values = values;
  }

  info(msg: string, kv?: KeyValues): void {
    this.#line('info', 0, msg, kv);
  }

  warning(msg: string, kv?: KeyValues): void {
    this.#line('warning', 0, msg, kv);
  }

  error(err: unknown, msg: string, kv?: KeyValues): void {
    this.#line('error', 0, msg, kv, err);
  }

  V(level: number): Verbose {
    return { enabled: true, info: (msg, kv) => this.#line('info', level, msg, kv) };
  }

  withName(name: string): Logger {
    return new RelayLogger(this.#send, [...this.#names, name], this.#values);
  }

  withValues(kv: KeyValues): Logger {
    return new RelayLogger(this.#send, this.#names, [...this.#values, kv]);
  }

  #line(severity: RelayedLine['severity'], level: number, msg: string, kv?: KeyValues, err?: unknown): void {
    this.#send({
      names: this.#names,
      values: this.#values,
      severity,
      level,
      msg,
      ...(kv === undefined ? {} : { kv }),
      ...(severity === 'error' ? { err } : {}),
    });
  }
}

/** Writes a relayed line through `log` as the worker's call would have: names, values, level, severity. */
export function replayLine(log: Logger, line: RelayedLine): void {
  let target = log;
  for (const name of line.names) target = target.withName(name);
  for (const kv of line.values) target = target.withValues(kv);
  if (line.severity === 'error') target.error(line.err, line.msg, line.kv);
  else if (line.severity === 'warning') warn(target, line.msg, line.kv);
  else if (line.level === 0) target.info(line.msg, line.kv);
  else target.V(line.level).info(line.msg, line.kv);
}

/**
 * A warning through `log`: klog's `W` line; `info()` for a structurally compatible logger without
 * `warning()` (which is what klog's JSON format writes for a warning anyway: an info line at v 0).
 */
export function warn(log: Logger, msg: string, kv?: KeyValues): void {
  if (typeof log.warning === 'function') log.warning(msg, kv);
  else log.info(msg, kv);
}

/**
 * Posts a line to the main thread. A key/value a MessagePort cannot clone (a function, a socket) is
 * sent as its `util.inspect` text instead, so that no line is lost to its values.
 */
export function postLine(port: MessagePort, line: RelayedLine): void {
  try {
    port.postMessage({ type: 'log', line } satisfies LogMessage);
  } catch {
    port.postMessage({ type: 'log', line: cloneableLine(line) } satisfies LogMessage);
  }
}

/** The message carrying a relayed line. */
export interface LogMessage {
  readonly type: 'log';
  readonly line: RelayedLine;
}

function cloneableLine(line: RelayedLine): RelayedLine {
  return {
    ...line,
    values: line.values.map(cloneableValues),
    ...(line.kv === undefined ? {} : { kv: cloneableValues(line.kv) }),
    ...(line.err === undefined ? {} : { err: line.err instanceof Error ? line.err : inspect(line.err) }),
  };
}

function cloneableValues(kv: KeyValues): KeyValues {
  const text = (v: unknown): unknown =>
    v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')
      ? v
      : inspect(v);
  if (isPairs(kv)) return kv.map(text);
  return Object.fromEntries(Object.entries(kv).map(([k, v]) => [k, text(v)]));
}

function isPairs(kv: KeyValues): kv is readonly unknown[] {
  return Array.isArray(kv);
}
