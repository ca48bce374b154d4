import type { KeyValues, Logger, Verbose } from './types.ts';
import { applyPinoLoggerOptions, type PinoLoggerOptions } from './options.ts';
import { verbosityStateFor, type VerbosityState } from './verbosity.ts';
import { FAMILY, NO_OUTPUT } from './internal/family.ts';
import type { Family } from './internal/family.ts';
import { callerFrame, callerInfo } from './internal/caller.ts';

/**
 * The part of a pino logger this adapter uses, declared structurally: `@kubediag/klog` does not
 * depend on pino. A pino 8-10 `Logger` fits.
 */
export interface PinoLike {
  info(obj: object, msg: string): void;
  /** pino's `warn`; an object without it gets warnings through `info`. */
  warn?(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): PinoLike;
}

const MISSING = '(MISSING)';

function toObject(kv: KeyValues | undefined, into: Record<string, unknown>): Record<string, unknown> {
  if (kv === undefined) return into;
  if (Array.isArray(kv)) {
    const arr = kv as readonly unknown[];
    for (let i = 0; i < arr.length; i += 2) into[String(arr[i])] = i + 1 < arr.length ? arr[i + 1] : MISSING;
    return into;
  }
  return Object.assign(into, kv);
}

const DISABLED: Verbose = Object.freeze({ enabled: false, info(): void {} });

class PinoVerbose implements Verbose {
  readonly enabled = true;
  constructor(
    private readonly target: PinoLike,
    private readonly level: number,
  ) {}
  info(msg: string, kv?: KeyValues): void {
    this.target.info(toObject(kv, { v: this.level }), msg);
  }
}

class PinoKLogger implements Logger {
  readonly [FAMILY]: Family;
  private readonly target: PinoLike;
  private nameGeneration = -1;
  private nameLevel = -1;

  constructor(
    private readonly root: PinoLike,
    private readonly state: VerbosityState,
    private readonly name: string,
    private readonly values: Readonly<Record<string, unknown>>,
  ) {
    this[FAMILY] = { state, output: NO_OUTPUT };
    // One pino child per klog child: names go to `logger` (as in component-base JSON).
    const bindings = name === '' ? values : { logger: name, ...values };
    this.target = Object.keys(bindings).length === 0 ? root : root.child(bindings);
  }

  info(msg: string, kv?: KeyValues): void {
    this.target.info(toObject(kv, { v: 0 }), msg);
  }

  warning(msg: string, kv?: KeyValues): void {
    // pino's own level says "warn"; `v: 0` as component-base writes klog's Warning in JSON.
    const obj = toObject(kv, { v: 0 });
    if (this.target.warn) this.target.warn(obj, msg);
    else this.target.info(obj, msg);
  }

  error(err: unknown, msg: string, kv?: KeyValues): void {
    const obj = toObject(kv, {});
    if (err !== null && err !== undefined) obj['err'] = err;
    this.target.error(obj, msg);
  }

  V(level: number): Verbose {
    if (level > this.state.threshold) return DISABLED;
    if (level <= this.state.v) return new PinoVerbose(this.target, level);
    if (this.name !== '') {
      if (this.nameGeneration !== this.state.generation) {
        this.nameLevel = this.state.levelFor(this.name);
        this.nameGeneration = this.state.generation;
      }
      if (this.nameLevel >= 0)
        return level <= this.nameLevel ? new PinoVerbose(this.target, level) : DISABLED;
    }
    const frame = callerFrame(PINO_V);
    if (frame === undefined) return DISABLED;
    const site = this.state.siteLevel(frame, callerInfo(frame).module);
    return level <= site ? new PinoVerbose(this.target, level) : DISABLED;
  }

  withName(name: string): Logger {
    const full = this.name === '' ? name : this.name + '.' + name;
    return new PinoKLogger(this.root, this.state, full, this.values);
  }

  withValues(kv: KeyValues): Logger {
    return new PinoKLogger(this.root, this.state, this.name, toObject(kv, { ...this.values }));
  }
}

const PINO_V = Object.getOwnPropertyDescriptor(PinoKLogger.prototype, 'V')?.value as (
  ...args: never[]
) => unknown;

/**
 * A klog-API Logger that writes through pino (its transports, redaction, serializers) while keeping
 * klog's `V(n)` gate, vmodule and runtime verbosity control (`getVerbosityControl` works on it).
 * Lines carry `v` like component-base JSON; names go to `logger`; errors to `err` (pino's
 * serializer). Set pino's own level to `info` or lower: the gate in front of it does the filtering.
 * Throws a KlogError (`KDIAG_KLOG_INVALID_OPTIONS`) listing every invalid option.
 */
export function createPinoLogger(pino: PinoLike, options?: PinoLoggerOptions): Logger {
  const o = applyPinoLoggerOptions(options);
  return new PinoKLogger(pino, verbosityStateFor(o), '', {});
}
