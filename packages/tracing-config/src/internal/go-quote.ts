// Go's strconv.Quote, which fmt's %q uses. Kubernetes prints string values in field errors and
// URLs in url.Error with it, so messages only match byte for byte if we quote the same way:
// printable runes stay as they are, the usual C escapes, \x for other ASCII controls, \u / \U
// for other non-printable runes. JSON.stringify differs (\u0001 instead of \x01, raw DEL).

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Quotes `s` exactly as Go's `strconv.Quote` / `fmt.Sprintf("%q", s)` does. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate is not valid UTF-8; Go would see U+FFFD.
      out += '\ufffd';
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else if (cp < 0x80) {
      out += `\\x${hex(cp, 2)}`;
    } else if (cp < 0x10000) {
      out += `\\u${hex(cp, 4)}`;
    } else {
      out += `\\U${hex(cp, 8)}`;
    }
  }
  return `${out}"`;
}
