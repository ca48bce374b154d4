import { describe, isPlainObject } from './describe.ts';
import type { OptionProblem } from './problem.ts';

/**
 * The defaults of a package, filled into what the user gave: plain-object blocks are merged key by
 * key, `undefined` means unset, anything else given replaces the default (an explicit `0`, `''`,
 * `false` or `[]` is kept). Keys the defaults do not know are carried along, so that validation can
 * refuse them with their path. Blocks made here are frozen; the user's own objects are neither copied
 * nor frozen.
 *
 * The result type is the caller's to state: this is the one place a package's defaults are written.
 */
export function withDefaults<Resolved extends object>(defaults: object, input: unknown): Resolved {
  return merge(defaults, input) as Resolved;
}

function merge(defaults: unknown, input: unknown): unknown {
  if (input === undefined) return defaults;
  if (!isPlainObject(defaults) || !isPlainObject(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults)) out[key] = value;
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined) out[key] = merge(out[key], value);
  }
  return Object.freeze(out);
}

/** The three steps of a package's options, in the one order every package follows. */
export interface OptionsSteps<Input, Resolved extends object> {
  /** Fills defaults (with {@link withDefaults}); never throws, never validates. */
  resolve(input: Input | undefined): Resolved;
  /** Returns every problem of the resolved options, each with its path; empty when valid. */
  validate(resolved: Resolved): OptionProblem[];
  /** The package's `..._INVALID_OPTIONS` error listing every problem. */
  invalid(problems: readonly OptionProblem[]): Error;
}

const validated = new WeakSet<object>();

/**
 * resolve → validate → throw once with every problem. Returns the resolved options, frozen and
 * remembered as validated, so that a composition root that validated a block already (and passes
 * the resolved block on) does not have it validated a second time.
 */
export function applyOptions<Input, Resolved extends object>(
  input: Input | undefined,
  steps: OptionsSteps<Input, Resolved>,
): Resolved {
  if (typeof input === 'object' && input !== null && validated.has(input))
    return input as unknown as Resolved;
  if (input !== undefined && !isPlainObject(input))
    throw steps.invalid([{ path: '', message: `expected an options object, got ${describe(input)}` }]);
  const resolved = steps.resolve(input);
  const problems = steps.validate(resolved);
  if (problems.length > 0) throw steps.invalid(problems);
  return markValidated(resolved);
}

/**
 * Remembers resolved options as validated (freezing them). For a composition root that validated
 * every block as a whole before creating anything.
 */
export function markValidated<T extends object>(resolved: T): T {
  Object.freeze(resolved);
  validated.add(resolved);
  return resolved;
}

/**
 * Validated options with fields the composition root filled in itself after validation (a logger it
 * created, a registry): the copy counts as validated too. Throws a TypeError for options that were not
 * validated, a programming error.
 */
export function extendValidated<T extends object, E extends object>(resolved: T, extra: E): T & E {
  if (!validated.has(resolved))
    throw new TypeError('extendValidated: expected options returned by applyOptions');
  return markValidated({ ...resolved, ...extra });
}
