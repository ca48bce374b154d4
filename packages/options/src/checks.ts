import { describe, isPlainObject } from './describe.ts';
import { joinPath, type OptionProblem } from './problem.ts';
import { suggest } from './suggest.ts';

/**
 * Checks one value at `path` and adds what is wrong to `problems`. A check never sees `undefined`
 * for an optional field: {@link object} skips absent options. Checks compose: {@link object},
 * {@link list}, {@link record}, {@link union} and {@link all} build a package's whole options
 * shape out of the leaves below.
 */
export type Check = (value: unknown, path: string, problems: OptionProblem[]) => void;

/** Inclusive bounds of a number. */
export interface Range {
  readonly min?: number;
  readonly max?: number;
}

/** Longest duration accepted by default (24 h): anything larger is almost surely seconds given as ms. */
export const MAX_DURATION_MS = 86_400_000;

function rangeText(noun: string, { min, max }: Range): string {
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (min !== undefined) return `${noun} >= ${min}`;
  if (max !== undefined) return `${noun} <= ${max}`;
  return noun;
}

function outside(v: number, { min, max }: Range): boolean {
  return (min !== undefined && v < min) || (max !== undefined && v > max);
}

function numeric(noun: string, range: Range, accept: (v: number) => boolean): Check {
  const expected = rangeText(noun, range);
  return (value, path, problems) => {
    if (typeof value !== 'number' || !accept(value) || outside(value, range))
      problems.push({ path, message: `expected ${expected}, got ${describe(value)}` });
  };
}

/** A safe integer within `range`. */
export function integer(range: Range = {}): Check {
  return numeric('an integer', range, Number.isSafeInteger);
}

/** A finite number within `range`. */
export function number(range: Range = {}): Check {
  return numeric('a number', range, Number.isFinite);
}

/** Whole milliseconds, from `min` (default 0) to `max` (default {@link MAX_DURATION_MS}). */
export function duration(range: Range = {}): Check {
  return numeric(
    'a duration in milliseconds',
    { min: range.min ?? 0, max: range.max ?? MAX_DURATION_MS },
    Number.isSafeInteger,
  );
}

/** `true` or `false`. */
export function boolean(): Check {
  return (value, path, problems) => {
    if (typeof value !== 'boolean')
      problems.push({ path, message: `expected a boolean, got ${describe(value)}` });
  };
}

/** What a string must look like. */
export interface StringRule {
  /** Accept `''`. @default false */
  readonly allowEmpty?: boolean;
  /** Longest accepted length, in UTF-16 code units. @default unbounded */
  readonly maxLength?: number;
  /** A pattern the whole string must match; say what it means in `expected`. */
  readonly pattern?: RegExp;
  /** The expectation in messages. @default 'a non-empty string' */
  readonly expected?: string;
}

/** A string, non-empty unless `allowEmpty`. */
export function string(rule: StringRule = {}): Check {
  const expected = rule.expected ?? (rule.allowEmpty === true ? 'a string' : 'a non-empty string');
  return (value, path, problems) => {
    if (
      typeof value !== 'string' ||
      (value === '' && rule.allowEmpty !== true) ||
      (rule.maxLength !== undefined && value.length > rule.maxLength) ||
      (rule.pattern !== undefined && !rule.pattern.test(value))
    )
      problems.push({ path, message: `expected ${expected}, got ${describe(value)}` });
  };
}

type Literal = string | number | boolean | null;

/** One of the listed values (compared with `===`); a misspelled string gets a suggestion. */
export function oneOf(values: readonly Literal[]): Check {
  const shown = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  const expected = shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
  const strings = values.filter((v): v is string => typeof v === 'string');
  return (value, path, problems) => {
    if (values.includes(value as Literal)) return;
    const guess = typeof value === 'string' ? suggest(value, strings) : undefined;
    const hint = guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`;
    problems.push({ path, message: `expected ${expected}, got ${describe(value)}${hint}` });
  };
}

/** How many items an array may have. */
export interface ListRule {
  /** Refuse `[]`. @default false */
  readonly nonEmpty?: boolean;
  /** Most items accepted. @default unbounded */
  readonly maxItems?: number;
}

/** An array whose every item passes `item`; items are reported as `path[i]`. */
export function list(item: Check, rule: ListRule = {}): Check {
  return (value, path, problems) => {
    if (!Array.isArray(value)) {
      problems.push({ path, message: `expected an array, got ${describe(value)}` });
      return;
    }
    if (rule.nonEmpty === true && value.length === 0)
      problems.push({ path, message: 'expected at least one item, got an empty array' });
    if (rule.maxItems !== undefined && value.length > rule.maxItems)
      problems.push({ path, message: `expected at most ${rule.maxItems} items, got ${value.length}` });
    value.forEach((v: unknown, i) => item(v, joinPath(path, i), problems));
  };
}

/** A function (a hook, a handler, a provider); `expected` names what it is for. */
export function func(expected = 'a function'): Check {
  return (value, path, problems) => {
    if (typeof value !== 'function')
      problems.push({ path, message: `expected ${expected}, got ${describe(value)}` });
  };
}

/**
 * A value recognised by `test`, for objects that come from elsewhere (a KubeConfig, a prom-client
 * Registry, a stream) and are checked by shape: `expected ${expected}, got ...`.
 */
export function matches(test: (value: unknown) => boolean, expected: string): Check {
  return (value, path, problems) => {
    if (!test(value)) problems.push({ path, message: `expected ${expected}, got ${describe(value)}` });
  };
}

/**
 * A test for {@link matches}: an object (or function) with a method of each of these names, the way
 * objects from other libraries are recognised without importing them (`hasMethods('metrics')` for a
 * prom-client Registry).
 */
export function hasMethods(...names: readonly string[]): (value: unknown) => boolean {
  return (value) =>
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}

/**
 * A message-returning check for rules the leaves cannot say (a parser, a cross-field rule): the
 * function returns what is wrong, or undefined.
 */
export function custom(test: (value: unknown) => string | undefined): Check {
  return (value, path, problems) => {
    const message = test(value);
    if (message !== undefined) problems.push({ path, message });
  };
}

/** Runs `checks` in order and stops at the first that finds a problem (a type check, then a parser). */
export function all(...checks: readonly Check[]): Check {
  return (value, path, problems) => {
    const before = problems.length;
    for (const check of checks) {
      check(value, path, problems);
      if (problems.length > before) return;
    }
  };
}

/**
 * One of several kinds of value, told apart by a test: the first branch whose test accepts the value
 * checks it; when none does, `expected ${expected}, got ...`.
 * E.g. `union('false or pprof options', [(v) => v === false, all()], [isPlainObject, pprofShape])`.
 */
export function union(
  expected: string,
  ...branches: readonly (readonly [test: (value: unknown) => boolean, check: Check])[]
): Check {
  return (value, path, problems) => {
    for (const [test, check] of branches) if (test(value)) return check(value, path, problems);
    problems.push({ path, message: `expected ${expected}, got ${describe(value)}` });
  };
}

/** The fields of an options block, each an optional option. */
export type Shape = Readonly<Record<string, Check>>;

/** What an options block must be. */
export interface ObjectRule {
  /** The expectation when the value is not a plain object. @default 'an options object' */
  readonly expected?: string;
}

/**
 * An options block: a plain object whose keys are all in `shape`. An unknown key is reported with its
 * full path and the key it most likely meant (`server.bindAdress: unknown option; did you mean
 * "bindAddress"?`). Present fields are checked by their check; `undefined` means unset and is skipped.
 */
export function object(shape: Shape, rule: ObjectRule = {}): Check {
  const expected = rule.expected ?? 'an options object';
  const known = Object.keys(shape);
  return (value, path, problems) => {
    if (!isPlainObject(value)) {
      problems.push({ path, message: `expected ${expected}, got ${describe(value)}` });
      return;
    }
    for (const key of Object.keys(value)) {
      const check = Object.hasOwn(shape, key) ? shape[key] : undefined;
      const at = joinPath(path, key);
      if (check === undefined) problems.push({ path: at, message: unknownKey(key, known) });
      else if (value[key] !== undefined) check(value[key], at, problems);
    }
  };
}

function unknownKey(key: string, known: readonly string[]): string {
  const guess = suggest(key, known);
  if (guess !== undefined) return `unknown option; did you mean ${JSON.stringify(guess)}?`;
  return known.length === 0
    ? 'unknown option; this block takes none'
    : `unknown option; expected one of ${known.join(', ')}`;
}

/** A plain object used as a map: every key passes `key` (when given), every value passes `value`. */
export function record(value: Check, key?: Check): Check {
  return (input, path, problems) => {
    if (!isPlainObject(input)) {
      problems.push({ path, message: `expected an object, got ${describe(input)}` });
      return;
    }
    for (const [k, v] of Object.entries(input)) {
      const at = joinPath(path, k);
      key?.(k, at, problems);
      value(v, at, problems);
    }
  };
}

/** Runs `check` on `value` and returns every problem, paths rooted at `path`. */
export function checkValue(check: Check, value: unknown, path = ''): OptionProblem[] {
  const problems: OptionProblem[] = [];
  check(value, path, problems);
  return problems;
}
