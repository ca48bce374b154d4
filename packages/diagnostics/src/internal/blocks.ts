import {
  describe,
  isPlainObject,
  joinPath,
  prefixProblems,
  type Check,
  type OptionProblem,
} from '@kubediag/options';

/** A check that refuses any value: the key is one `withDiagnostics` sets itself. */
export function setByWithDiagnostics(instead: string): Check {
  return (_value, path, problems) => {
    problems.push({ path, message: `set by withDiagnostics; pass ${instead} instead` });
  };
}

/**
 * A block whose options belong to another package: that package's validate checks it (unknown keys
 * included), its problems re-rooted under the block's path. `wired` are the keys the package knows
 * but `withDiagnostics` sets itself, each with the option to pass instead: given, they are refused
 * here; what the package says about them (a filter it requires, a logger of the wrong shape) is
 * dropped, since `withDiagnostics` supplies them.
 */
export function delegatedBlock<Resolved>(
  validate: (resolved: Resolved) => readonly OptionProblem[],
  wired: Readonly<Record<string, string>>,
): Check {
  return (value, path, problems) => {
    if (!isPlainObject(value)) {
      problems.push({ path, message: `expected an options object, got ${describe(value)}` });
      return;
    }
    const wiredPaths: string[] = [];
    for (const [key, instead] of Object.entries(wired)) {
      const at = joinPath(path, key);
      wiredPaths.push(at);
      if (value[key] !== undefined) setByWithDiagnostics(instead)(value[key], at, problems);
    }
    for (const problem of prefixProblems(path, validate(value as Resolved)))
      if (!wiredPaths.some((w) => within(problem.path, w))) problems.push(problem);
  };
}

function within(path: string, block: string): boolean {
  return path === block || path.startsWith(`${block}.`) || path.startsWith(`${block}[`);
}
