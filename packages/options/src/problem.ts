/**
 * One thing wrong with an options object: where it is and what was expected.
 *
 * `path` is written as a JavaScript property access from the root of the options object the user
 * passed: `server.bindAddress`, `auth.alwaysAllowPaths[1]`, `server.extraHandlers["/debug/x"]`. The
 * root itself is `''`.
 */
export interface OptionProblem {
  readonly path: string;
  /** What was expected and what was given: `expected an integer from 1 to 20, got 0`. */
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The path of `key` inside `parent`: `a` + `b` is `a.b`, `a` + `0` is `a[0]`, and a key that is not
 * an identifier is quoted, `a` + `/x` is `a["/x"]`.
 */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** Re-roots problems found in a block under the block's own path (`server` + `bindAddress`). */
export function prefixProblems(prefix: string, problems: readonly OptionProblem[]): OptionProblem[] {
  if (prefix === '') return [...problems];
  return problems.map((p) => ({
    path: p.path === '' ? prefix : joinSubpath(prefix, p.path),
    message: p.message,
  }));
}

function joinSubpath(prefix: string, path: string): string {
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Every problem on one line, for an error message: `a: expected x, got y; b.c: ...`. */
export function formatProblems(problems: readonly OptionProblem[]): string {
  return problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ');
}
