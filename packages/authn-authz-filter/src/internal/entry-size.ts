import type { UserInfo } from '../user-info.ts';
import { MAX_KEY_MEMO_CHARS } from './authorization-cache-key.ts';

/**
 * Bytes a cache entry costs besides its strings: its Map slot, the LRU node, the entry with its
 * timestamps, the cached outcome and the answer object. Measured on Node 20 and 24 (V8 heap growth
 * per entry with empty strings, test/entry-size.test.ts), rounded up.
 */
export const ENTRY_OVERHEAD_BYTES = 320;

/** V8's header of a string, and of an array or object holding strings, rounded up. */
const OBJECT_HEADER_BYTES = 32;

// Any code unit above Latin-1 (surrogates included) makes V8 store the whole string two bytes a character.
const TWO_BYTE = /[\u0100-\uffff]/;

/** Heap bytes of a string: one byte per character when all are Latin-1 (paths always are), else two. */
export function stringBytes(s: string): number {
  return OBJECT_HEADER_BYTES + (TWO_BYTE.test(s) ? 2 * s.length : s.length);
}

/**
 * Heap bytes of a user: its strings and objects, the JSON of it that authorization keys start with,
 * and the memo of its authorization keys at its bound (it lives as long as the user is cached).
 */
export function userBytes(user: UserInfo): number {
  let n =
    3 * OBJECT_HEADER_BYTES +
    stringBytes(user.username) +
    (user.uid === undefined ? 0 : stringBytes(user.uid));
  for (const g of user.groups) n += stringBytes(g);
  for (const [k, values] of Object.entries(user.extra ?? {})) {
    n += stringBytes(k) + OBJECT_HEADER_BYTES;
    for (const v of values) n += stringBytes(v);
  }
  return 2 * n + MAX_KEY_MEMO_CHARS;
}
