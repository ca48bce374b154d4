import { goQuote, goQuoteBytes } from './go-quote.ts';

// Go's strconv.ParseUint / ParseInt for base 10, with Go's error texts
// (`strconv.ParseUint: parsing "abc": invalid syntax`), because PUT /debug/flags/v answers with them.

/** The outcome of a Go-style integer parse: a value, or the exact Go error text. */
export type GoParseResult = { ok: true; value: number } | { ok: false; error: string };

function quoteInput(s: string | Uint8Array): string {
  return typeof s === 'string' ? goQuote(s) : goQuoteBytes(s, false);
}

function codeAt(s: string | Uint8Array, i: number): number {
  return typeof s === 'string' ? s.charCodeAt(i) : s[i]!;
}

function syntaxError(fn: string, s: string | Uint8Array): GoParseResult {
  return { ok: false, error: `strconv.${fn}: parsing ${quoteInput(s)}: invalid syntax` };
}

function rangeError(fn: string, s: string | Uint8Array): GoParseResult {
  return { ok: false, error: `strconv.${fn}: parsing ${quoteInput(s)}: value out of range` };
}

// Go checks digit by digit and reports "out of range" as soon as the value overflows, even if a
// syntax error follows ("99999999999x" is a range error). The loop below keeps that order.
function parseDigits(fn: string, s: string | Uint8Array, start: number, max: number): GoParseResult {
  if (s.length - start === 0) return syntaxError(fn, s);
  let n = 0;
  for (let i = start; i < s.length; i++) {
    const d = codeAt(s, i) - 0x30;
    if (d < 0 || d > 9) return syntaxError(fn, s);
    n = n * 10 + d; // exact: n stays below 2^33 * 10 before the range check fires
    if (n > max) return rangeError(fn, s);
  }
  return { ok: true, value: n };
}

/** Go's `strconv.ParseUint(s, 10, bitSize)` for bitSize <= 32. */
export function goParseUint(s: string | Uint8Array, bitSize: number): GoParseResult {
  return parseDigits('ParseUint', s, 0, 2 ** bitSize - 1);
}

/** Go's `strconv.ParseInt(s, 10, bitSize)` for bitSize <= 32 (an optional leading `+` or `-`). */
export function goParseInt(s: string | Uint8Array, bitSize: number): GoParseResult {
  if (s.length === 0) return syntaxError('ParseInt', s);
  const c0 = codeAt(s, 0);
  const neg = c0 === 0x2d;
  const start = neg || c0 === 0x2b ? 1 : 0;
  // ParseInt calls ParseUint on the unsigned part, then maps its errors back to ParseInt and the
  // full input; the cutoff is 2^(bitSize-1) (one more allowed for negatives).
  const limit = 2 ** (bitSize - 1);
  const r = parseDigits('ParseInt', s, start, 2 ** bitSize - 1);
  if (!r.ok) return r;
  if (!neg && r.value >= limit) return rangeError('ParseInt', s);
  if (neg && r.value > limit) return rangeError('ParseInt', s);
  return { ok: true, value: neg ? -r.value : r.value };
}
