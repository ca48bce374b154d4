import { AuthnAuthzError, AuthnAuthzErrorCode } from './errors.ts';

/**
 * Always-allow paths with kube-apiserver's `--authorization-always-allow-paths` syntax
 * (k8s.io/apiserver pkg/authorization/path): the leading `/` is optional, `""` or `/` matches the root,
 * and a single trailing `*` makes a prefix match. A `*` anywhere else is an error.
 */
export interface PathMatcher {
  /** True when `path` (no query) is always allowed. */
  matches(path: string): boolean;
}

/** Returns the apiserver's error text for an invalid pattern, or undefined when the pattern is valid. */
export function checkAlwaysAllowPath(pattern: string): string | undefined {
  const p = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  if (p.length > 0 && p.slice(0, -1).includes('*')) return `only trailing * allowed in ${JSON.stringify(p)}`;
  return undefined;
}

/**
 * Compiles always-allow patterns. Throws `KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS` with the apiserver's text
 * for an invalid pattern; options validation reports the same problem before this runs.
 */
export function compileAlwaysAllowPaths(patterns: readonly string[]): PathMatcher {
  // Patterns and paths compare with exactly one leading `/` (the apiserver trims it from both), so a
  // request path, which starts with `/`, is looked up as it is: no copy per request.
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const [i, pattern] of patterns.entries()) {
    const problem = checkAlwaysAllowPath(pattern);
    if (problem !== undefined) {
      throw new AuthnAuthzError(
        AuthnAuthzErrorCode.INVALID_OPTIONS,
        `invalid always-allow path: ${problem}`,
        {
          problems: [{ path: `alwaysAllowPaths[${i}]`, message: problem }],
        },
      );
    }
    const p = pattern.startsWith('/') ? pattern : `/${pattern}`;
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  if (exact.size === 0 && prefixes.length === 0) return { matches: () => false };
  return {
    matches(path: string): boolean {
      const p = path.startsWith('/') ? path : `/${path}`;
      if (exact.has(p)) return true;
      for (const prefix of prefixes) if (p.startsWith(prefix)) return true;
      return false;
    },
  };
}
