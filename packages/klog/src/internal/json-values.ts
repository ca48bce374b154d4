import { encodeJson, errorText, isStringer, panicText, stringerText } from './values.ts';

// Values in the JSON format follow component-base's zap encoder: strings, numbers and booleans as
// JSON; errors as their message; Stringers through String(); []byte as base64 (zap.Binary);
// NaN/Inf as the strings "NaN"/"+Inf"/"-Inf" (zap); everything else through JSON.stringify.

// Printable ASCII without `"` and `\` needs no escaping; JSON.stringify costs ~300 ns a call, a
// RegExp test a few tens.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Whether `s` is printable ASCII without `"` and `\` (a loop beats a RegExp on short strings). */
export function isPlainAscii(s: string): boolean {
  const n = s.length;
  if (n > 48) return PLAIN.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** JSON text of a string. */
export function jsonString(s: string): string {
  return isPlainAscii(s) ? '"' + s + '"' : JSON.stringify(s);
}

/**
 * Epoch milliseconds as component-base writes them (a float with the sub-millisecond part),
 * formatted by hand: number-to-string of a 17-digit double costs ~600 ns. Microsecond precision,
 * trailing zeros trimmed.
 */
export function jsonTimestamp(ms: number): string {
  let whole = Math.floor(ms);
  let frac = Math.round((ms - whole) * 1000);
  if (frac >= 1000) {
    whole += 1;
    frac = 0;
  }
  if (frac === 0) return '' + whole;
  let digits = frac < 10 ? '00' + frac : frac < 100 ? '0' + frac : '' + frac;
  while (digits.endsWith('0')) digits = digits.slice(0, -1);
  return whole + '.' + digits;
}

/** JSON text for one value. */
export function jsonValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
      if (Number.isFinite(v)) return '' + v;
      return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"+Inf"' : '"-Inf"';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
      return 'null';
    case 'symbol':
      return JSON.stringify(v.toString());
    case 'function':
      return '"<internal error: json: unsupported type: function>"';
  }
  if (v === null || v === undefined) return 'null';
  const o = v;
  if (o instanceof Error) return JSON.stringify(errorText(o));
  if (o instanceof Uint8Array) {
    return JSON.stringify(Buffer.from(o.buffer, o.byteOffset, o.byteLength).toString('base64'));
  }
  if (isStringer(o)) return JSON.stringify(stringerText(o));
  try {
    const r = encodeJson(
      o instanceof Map ? Object.fromEntries(o) : o instanceof Set ? Array.from(o) : o,
      false,
    );
    return 'json' in r ? r.json : JSON.stringify(r.text);
  } catch (e) {
    return JSON.stringify(panicText(e));
  }
}
