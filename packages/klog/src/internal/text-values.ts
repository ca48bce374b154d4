import { goQuote, goQuoteBytes } from './go-quote.ts';
import { encodeJson, errorText, goFloatName, isStringer, stringerText } from './values.ts';

// klog's writeStringValue: a single-line string is strconv.Quote'd; a string with a line break is
// written as-is inside `key=<` ... ` >`, each line prefixed by a tab.
export function textString(s: string): string {
  let idx = s.indexOf('\n');
  if (idx === -1) return '=' + goQuote(s);
  let out = '=<\n';
  let start = 0;
  while (idx !== -1) {
    out += '\t' + s.slice(start, idx + 1);
    start = idx + 1;
    idx = s.indexOf('\n', start);
  }
  return start === s.length ? out + ' >' : out + '\t' + s.slice(start) + '\n >';
}

function textAny(v: unknown): string {
  const r = encodeJson(v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? Array.from(v) : v, true);
  return 'json' in r ? '=' + r.json : textString(r.text);
}

/** `=value` for one value, following klog's KVFormat type switch (see values.ts for the mapping). */
export function textValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return textString(v);
    case 'number':
      if (Number.isFinite(v)) return v === 0 && 1 / v < 0 ? '=-0' : '=' + v;
      return `="<internal error: json: unsupported value: ${goFloatName(v)}>"`;
    case 'boolean':
      return v ? '=true' : '=false';
    case 'bigint':
      return '=' + v.toString();
    case 'undefined':
      return '=null';
    case 'symbol':
      return textString(v.toString());
    case 'function':
      return '="<internal error: json: unsupported type: function>"';
  }
  if (v === null || v === undefined) return '=null';
  const o = v;
  if (o instanceof Error) return textString(errorText(o));
  if (o instanceof Uint8Array) return '=' + goQuoteBytes(o, true);
  if (isStringer(o)) return textString(stringerText(o));
  return textAny(o);
}

/** The `err` value of an error line: an Error's message, or any other value formatted as a value. */
export function textErr(err: unknown): string {
  return ' err' + textValue(err);
}
