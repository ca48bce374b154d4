// Value classification shared by the text and JSON encoders. The mapping from JS to klog's Go type
// switch: string -> string; Error -> error (its message); an object with its own toString() and no
// toJSON() -> fmt.Stringer; Uint8Array/Buffer -> []byte; everything else -> encoding/json.

// The default toString()s, compared by identity only (never called).
const objectToString: unknown = Reflect.get(Object.prototype, 'toString');
const arrayToString: unknown = Reflect.get(Array.prototype, 'toString');

/** The message of a thrown value, for `<panic: ...>`. */
export function panicText(thrown: unknown): string {
  let text: string;
  try {
    text = thrown instanceof Error ? thrown.message : String(thrown);
  } catch {
    text = 'unprintable value';
  }
  return `<panic: ${text}>`;
}

/** An Error's message, or `<panic: ...>` when reading it throws (a getter), like klog's ErrorToString. */
export function errorText(err: Error): string {
  try {
    const m = err.message;
    return typeof m === 'string' ? m : String(m);
  } catch (e) {
    return panicText(e);
  }
}

/** Whether `v` is a Stringer: a custom toString() and no toJSON() (Date and URL have toJSON). */
export function isStringer(v: object): boolean {
  const ts = (v as { toString?: unknown }).toString;
  return (
    typeof ts === 'function' &&
    ts !== objectToString &&
    ts !== arrayToString &&
    typeof (v as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** Calls a Stringer, turning a throw into `<panic: ...>` (klog's StringerToString). */
export function stringerText(v: object): string {
  try {
    return String((v as { toString(): unknown }).toString());
  } catch (e) {
    return panicText(e);
  }
}

// BigInts become a sentinel string in JSON.stringify's replacer, then raw digits again.
const BIGINT_MARK = '\u0000kdiag-bigint:';
const BIGINT_RE = /"\\u0000kdiag-bigint:(-?\d+)"/g;

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return BIGINT_MARK + value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return Array.from(value);
  if (value instanceof Error) return errorText(value);
  return value;
}

/** The outcome of encoding an "any" value as JSON: raw JSON text, or a string to quote. */
export type JsonOutcome = { json: string } | { text: string };

// Go's json.Marshal escapes <, >, & and U+2028/U+2029 (klog uses an Encoder with HTML escaping on).
const HTML_CHARS = /[<>&\u2028\u2029]/;
const HTML_CHARS_G = /[<>&\u2028\u2029]/g;
const HTML_ESC: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON for a value that is not a string, error, Stringer or byte array, as Go's encoding/json would
 * write it. `goHtmlEscape` applies Go's HTML escaping (text format). A cycle gives Go's
 * `<internal error: ...>` text; a throwing toJSON() gives `<panic: ...>` (klog's MarshalLog rule).
 */
export function encodeJson(v: unknown, goHtmlEscape: boolean): JsonOutcome {
  let json: string | undefined;
  try {
    json = JSON.stringify(v, replacer);
  } catch (e) {
    if (e instanceof TypeError && /circular/i.test(e.message)) {
      const name = (v as object | null)?.constructor?.name ?? 'Object';
      return { json: `"<internal error: json: unsupported value: encountered a cycle via ${name}>"` };
    }
    return { text: panicText(e) };
  }
  if (json === undefined) {
    // functions and symbols: Go's encoder rejects such types
    return { json: `"<internal error: json: unsupported type: ${typeof v}>"` };
  }
  if (json.includes('\\u0000kdiag-bigint:')) json = json.replace(BIGINT_RE, '$1');
  if (goHtmlEscape && HTML_CHARS.test(json)) json = json.replace(HTML_CHARS_G, (c) => HTML_ESC[c]!);
  return { json };
}

/** Go's encoding of a float64 that JSON cannot carry (`NaN`, `+Inf`, `-Inf`). */
export function goFloatName(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
}
