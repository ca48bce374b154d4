/**
 * A static authorization rule in the shape of an RBAC PolicyRule on nonResourceURLs, bound to users
 * and groups: `{ groups: ['metrics-readers'], nonResourceURLs: ['/metrics'], verbs: ['get'] }`.
 */
export interface StaticRule {
  readonly users?: readonly string[];
  readonly groups?: readonly string[];
  /** Exact paths, `*`, or a prefix ending in `*` (`/debug/pprof/*`), as RBAC matches them. */
  readonly nonResourceURLs: readonly string[];
  /** Lowercased HTTP methods (`get`, `put`, ...) or `*`. */
  readonly verbs: readonly string[];
}

/** RBAC's nonResourceURL match (pkg/apis/rbac/v1 evaluation helpers): exact, `*`, or a trailing-`*` prefix. */
export function nonResourceURLMatches(rule: string, path: string): boolean {
  if (rule === '*' || rule === path) return true;
  return rule.endsWith('*') && path.startsWith(rule.slice(0, -1));
}

/** True when some rule binds the user (by name or one of its groups) to `verb` on `path`. */
export function staticRulesAllow(
  rules: readonly StaticRule[],
  user: string,
  groups: readonly string[],
  path: string,
  verb: string,
): boolean {
  return rules.some(
    (r) =>
      (r.users?.includes(user) === true || r.groups?.some((g) => groups.includes(g)) === true) &&
      r.verbs.some((v) => v === '*' || v === verb) &&
      r.nonResourceURLs.some((u) => nonResourceURLMatches(u, path)),
  );
}
