import type { UserInfo } from '../user-info.ts';

/** SubjectAccessReview specs this long are not cached, as the apiserver's webhook authorizer does. */
const MAX_CACHE_KEY = 10_000;
/**
 * Characters of keys remembered per user before the memo starts over. A scraper uses a handful of
 * short paths; the bound keeps a caller sending long paths from growing the user's memo (which lives
 * as long as the user's token is cached): token cache entries are counted with this much on top.
 */
export const MAX_KEY_MEMO_CHARS = 4096;

interface KeyMemo {
  /** The user's part of every key: name, uid, groups and extra. */
  readonly user: string;
  readonly byVerb: Map<string, Map<string, string | undefined>>;
  /** Characters of the keys (and paths) remembered. */
  chars: number;
}

// The memo goes with the user object (a token cache hit returns the same UserInfo), under a symbol
// nobody else holds rather than in a WeakMap: a plain property load on the hot path, and nothing for
// the garbage collector to trace as an ephemeron. Not enumerable, so the user a handler sees through
// getRequestUser looks as before.
const kKeys = Symbol('kubediag.authn-authz.authorization-keys');

interface WithKeys {
  [kKeys]?: KeyMemo;
}

/**
 * The authorization cache key of (user, verb, path), or undefined when the request is too large to
 * cache. Memoised per user object and per verb and path, so that the hot path looks up a string whose
 * hash V8 has already computed instead of building and hashing a long key per request.
 */
export function authorizationCacheKey(user: UserInfo, verb: string, path: string): string | undefined {
  const memo = (user as WithKeys)[kKeys] ?? remember(user);
  let byPath = memo.byVerb.get(verb);
  if (byPath === undefined) {
    byPath = new Map();
    memo.byVerb.set(verb, byPath);
  }
  if (byPath.has(path)) return byPath.get(path);
  const length = memo.user.length + verb.length + path.length;
  const key = length < MAX_CACHE_KEY ? `${memo.user}\n${verb}\n${path}` : undefined;
  // The key and the path (the memo's own key), as far as they are not shared with others.
  const chars = (key === undefined ? 0 : key.length) + path.length;
  if (chars > MAX_KEY_MEMO_CHARS) return key;
  if (memo.chars + chars > MAX_KEY_MEMO_CHARS) {
    memo.byVerb.clear();
    memo.chars = 0;
    byPath = new Map();
    memo.byVerb.set(verb, byPath);
  }
  byPath.set(path, key);
  memo.chars += chars;
  return key;
}

function remember(user: UserInfo): KeyMemo {
  const memo: KeyMemo = {
    user: JSON.stringify([user.username, user.uid ?? '', user.groups, user.extra ?? null]),
    byVerb: new Map(),
    chars: 0,
  };
  // A user object frozen by someone else is keyed afresh each time: slower, never wrong.
  if (Object.isExtensible(user)) Object.defineProperty(user, kKeys, { value: memo });
  return memo;
}
