import type { KeyValues } from '../types.ts';

// Key/value merging with klog's de-duplication (internal/serialize FormatKVs): pairs are formatted
// in order (WithValues pairs first, then the call's); when a key repeats, an identical pair is
// dropped (the earlier one keeps its position), a different one replaces the earlier pair and takes
// its own position. Odd alternating lists get "(MISSING)" for the last value.

/** One formatted pair: its key and its full text (` key="v"` or `,"key":"v"`). */
export interface Entry {
  readonly key: string;
  readonly text: string;
}

/** Formats one pair for the logger's format. */
export type EntryEncoder = (key: string, value: unknown) => string;

/** The pre-formatted WithValues state of a logger. */
export interface Prefix {
  readonly entries: readonly Entry[];
  readonly keys: ReadonlySet<string>;
  readonly text: string;
}

export const EMPTY_PREFIX: Prefix = { entries: [], keys: new Set(), text: '' };

const MISSING = '(MISSING)';

function keyText(k: unknown): string {
  if (typeof k === 'string') return k;
  try {
    return String(k);
  } catch {
    return '<invalid key>';
  }
}

/** The entries of a KeyValues, in order. */
export function toEntries(kv: KeyValues, encode: EntryEncoder): Entry[] {
  const out: Entry[] = [];
  if (Array.isArray(kv)) {
    const arr = kv as readonly unknown[];
    for (let i = 0; i < arr.length; i += 2) {
      const key = keyText(arr[i]);
      out.push({ key, text: encode(key, i + 1 < arr.length ? arr[i + 1] : MISSING) });
    }
  } else {
    const obj = kv as Readonly<Record<string, unknown>>;
    for (const key of Object.keys(obj)) out.push({ key, text: encode(key, obj[key]) });
  }
  return out;
}

/** klog's de-duplication of `added` after `base` (both in output order). */
export function mergeEntries(base: readonly Entry[], added: readonly Entry[]): Entry[] {
  const out = base.slice();
  for (const e of added) {
    const i = out.findIndex((x) => x.key === e.key);
    if (i < 0) {
      out.push(e);
    } else if (out[i]!.text !== e.text) {
      out.splice(i, 1);
      out.push(e);
    }
  }
  return out;
}

export function makePrefix(entries: readonly Entry[]): Prefix {
  let text = '';
  for (const e of entries) text += e.text;
  return { entries, keys: new Set(entries.map((e) => e.key)), text };
}

/**
 * The prefix text followed by the call's pairs, de-duplicated. The fast path (no key of the call
 * repeats a WithValues key or another key of the call) is plain concatenation.
 */
export function formatCallKVs(
  kv: KeyValues | undefined,
  prefix: Prefix,
  encode: EntryEncoder,
  between: string,
): string {
  if (kv === undefined) return prefix.text + between;
  const keys = prefix.keys;
  let out = prefix.text + between;
  if (Array.isArray(kv)) {
    const arr = kv as readonly unknown[];
    const n = arr.length;
    // Duplicate check first: it only looks at keys, so no value is formatted twice.
    for (let i = 0; i < n; i += 2) {
      const k = arr[i];
      if (typeof k !== 'string' || keys.has(k)) return slowPath(kv, prefix, encode, between);
      for (let j = 0; j < i; j += 2) if (arr[j] === k) return slowPath(kv, prefix, encode, between);
    }
    for (let i = 0; i < n; i += 2) out += encode(arr[i] as string, i + 1 < n ? arr[i + 1] : MISSING);
    return out;
  }
  const obj = kv as Readonly<Record<string, unknown>>;
  const objKeys = Object.keys(obj);
  if (keys.size > 0) {
    for (const k of objKeys) if (keys.has(k)) return slowPath(kv, prefix, encode, between);
  }
  for (const k of objKeys) out += encode(k, obj[k]);
  return out;
}

// `between` (JSON's "v") goes after the surviving WithValues pairs, before the call's own.
function slowPath(kv: KeyValues, prefix: Prefix, encode: EntryEncoder, between: string): string {
  let out = '';
  let placed = false;
  const fromPrefix = new Set(prefix.entries);
  for (const e of mergeEntries(prefix.entries, toEntries(kv, encode))) {
    if (!placed && !fromPrefix.has(e)) {
      out += between;
      placed = true;
    }
    out += e.text;
  }
  return placed ? out : out + between;
}
