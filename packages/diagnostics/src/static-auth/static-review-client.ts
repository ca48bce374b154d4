import type { ReviewClient } from '@kubediag/authn-authz-filter';
import { sha256Hex, type StaticTokenEntry } from './token-file.ts';
import { staticRulesAllow, type StaticRule } from './static-rules.ts';

/**
 * Answers TokenReview from a static token table and SubjectAccessReview from static rules, so the
 * demo and cluster-less development run the very same filter (always-allow paths, 401/403 texts,
 * audit records) as production, with no apiserver. The kube-apiserver's `--token-auth-file` and
 * kube-rbac-proxy's static authorizer are the models. Never the production default.
 */
export function createStaticReviewClient(
  tokens: readonly StaticTokenEntry[],
  rules: readonly StaticRule[],
): ReviewClient {
  const byDigest = new Map(tokens.map((t) => [t.tokenSha256, t]));
  return {
    tokenReview(spec) {
      const entry = byDigest.get(sha256Hex(spec.token));
      if (!entry) return Promise.resolve({ authenticated: false });
      return Promise.resolve({
        authenticated: true,
        user: { username: entry.username, uid: entry.uid, groups: [...entry.groups] },
        ...(spec.audiences ? { audiences: [...spec.audiences] } : {}),
      });
    },
    subjectAccessReview(spec) {
      const { path, verb } = spec.nonResourceAttributes;
      const allowed = staticRulesAllow(rules, spec.user, spec.groups, path, verb);
      return Promise.resolve(
        allowed ? { allowed: true, reason: 'allowed by a static rule' } : { allowed: false },
      );
    },
  };
}
