import type { OptionProblem } from './problem.ts';

/** What an error carries besides its code and message. */
export interface KubediagErrorOptions {
  /** The underlying error, kept for `err.cause` chains. */
  readonly cause?: unknown;
  /** Every invalid option, for the `..._INVALID_OPTIONS` codes. */
  readonly problems?: readonly OptionProblem[];
}

// A registered symbol, so the guard holds when two copies of this package are installed.
const BRAND = Symbol.for('kubediag.error');

/**
 * The one error shape of kubediag. Each package subclasses it once (`KlogError`, `PprofError`, ...)
 * with its own code union; callers branch on `code`, never on the message.
 *
 * - `code`: stable, `KDIAG_<PACKAGE>_<WHAT>`, listed in the package README's Errors section.
 * - `message`: lowercase context chain for humans, "what failed: why; expected X, got Y".
 * - `problems`: every invalid option with its path (empty for other codes).
 * - `cause`: the underlying error, when there is one.
 */
export class KubediagError<Code extends string = string> extends Error {
  override readonly name: string = 'KubediagError';
  readonly code: Code;
  readonly problems: readonly OptionProblem[];

  constructor(code: Code, message: string, options: KubediagErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = Object.freeze([...(options.problems ?? [])]);
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any kubediag error, of any package, optionally with the given code. */
export function isKubediagError(err: unknown, code?: string): err is KubediagError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (err as KubediagError).code === code)
  );
}
