export { KubediagError, isKubediagError } from './error.ts';
export type { KubediagErrorOptions } from './error.ts';
export { formatProblems, joinPath, prefixProblems } from './problem.ts';
export type { OptionProblem } from './problem.ts';
export { describe, isPlainObject } from './describe.ts';
export { suggest } from './suggest.ts';
export {
  MAX_DURATION_MS,
  all,
  boolean,
  checkValue,
  custom,
  duration,
  func,
  hasMethods,
  integer,
  list,
  matches,
  number,
  object,
  oneOf,
  record,
  string,
  union,
} from './checks.ts';
export type { Check, ListRule, ObjectRule, Range, Shape, StringRule } from './checks.ts';
export { applyOptions, extendValidated, markValidated, withDefaults } from './apply.ts';
export type { OptionsSteps } from './apply.ts';
export { writeGoHttpError } from './go-http-error.ts';
