import {
  isPlainObject,
  joinPath,
  list,
  object,
  oneOf,
  string,
  type Check,
  type OptionProblem,
} from '@kubediag/options';

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

/**
 * The verbs a non-resource request can have: the filter authorizes the lowercased HTTP method, as
 * the kube-apiserver does, so `GET` in a rule would never match and answer 403 forever.
 */
const NON_RESOURCE_VERBS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', '*'] as const;

const NON_RESOURCE_URL = /^(?:\*|\/[^*]*\*?)$/;

const RULE_FIELDS: Check = object({
  users: list(string()),
  groups: list(string()),
  nonResourceURLs: list(
    string({
      pattern: NON_RESOURCE_URL,
      expected: 'a path (/metrics), a prefix ending in * (/debug/pprof/*) or *',
    }),
    { nonEmpty: true },
  ),
  verbs: list(oneOf(NON_RESOURCE_VERBS), { nonEmpty: true }),
});

/** One static rule: its fields, the two it cannot do without, and someone to bind it to. */
export const staticRuleCheck: Check = (value, path, problems: OptionProblem[]) => {
  RULE_FIELDS(value, path, problems);
  if (!isPlainObject(value)) return;
  const rule = value as Partial<StaticRule>;
  if (rule.nonResourceURLs === undefined)
    problems.push({
      path: joinPath(path, 'nonResourceURLs'),
      message: 'expected at least one path, got none',
    });
  if (rule.verbs === undefined)
    problems.push({ path: joinPath(path, 'verbs'), message: 'expected at least one verb, got none' });
  if (!hasItems(rule.users) && !hasItems(rule.groups))
    problems.push({ path, message: 'expected users or groups to bind the rule to, got neither' });
};

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
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
