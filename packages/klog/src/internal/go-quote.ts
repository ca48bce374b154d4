// Go's strconv.Quote and fmt's %+q, rune for rune. klog quotes every string value, message and
// error with strconv.Quote, and byte slices with %+q, so the text format is only byte-compatible
// if the escaping rules match Go exactly (unicode.IsPrint, \a\b\f\n\r\t\v, \xNN, \uNNNN, \UNNNNNNNN).

// Strings made only of printable ASCII other than `"` and `\` need no escaping: the common case.
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
// Go's unicode.IsPrint for runes above Latin-1: letters, marks, numbers, punctuation, symbols.
const GRAPHIC = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const HEX = '0123456789abcdef';

// A loop beats a RegExp call on the short strings logs are made of.
function isPlain(s: string): boolean {
  const n = s.length;
  if (n > 48) return PLAIN_ASCII.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Go's strconv.IsPrint. */
export function isGoPrint(r: number): boolean {
  if (r <= 0xff) {
    if (r >= 0x20 && r <= 0x7e) return true;
    return r >= 0xa1 && r !== 0xad;
  }
  return GRAPHIC.test(String.fromCodePoint(r));
}

function hex(n: number, digits: number): string {
  let s = '';
  for (let i = digits - 1; i >= 0; i--) s += HEX[(n >> (i * 4)) & 0xf];
  return s;
}

// appendEscapedRune for a valid rune; invalid UTF-8 bytes are handled by the callers.
function escapeRune(r: number, asciiOnly: boolean): string {
  if (r === 0x22) return '\\"';
  if (r === 0x5c) return '\\\\';
  if (asciiOnly ? r < 0x80 && isGoPrint(r) : isGoPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/**
 * Go's `strconv.Quote` applied to the UTF-8 encoding of `s`. A lone surrogate becomes U+FFFD, which
 * is what Node writes for it, and U+FFFD is printable in Go.
 */
export function goQuote(s: string): string {
  if (isPlain(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    let r = s.charCodeAt(i);
    if (r >= 0xd800 && r <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (r <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        r = (r - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
        i++;
      } else {
        r = 0xfffd;
      }
    }
    out += escapeRune(r, false);
  }
  return out + '"';
}

// Go's utf8.DecodeRune: returns [rune, width], rune -1 for an invalid encoding (width 1).
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  const n = b.length - i;
  const cont = (k: number, lo = 0x80, hi = 0xbf): number => {
    const c = b[i + k];
    return c !== undefined && c >= lo && c <= hi ? c & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf && n >= 2) {
    const c1 = cont(1);
    if (c1 >= 0) return [((b0 & 0x1f) << 6) | c1, 2];
  } else if (b0 >= 0xe0 && b0 <= 0xef && n >= 3) {
    const c1 = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
    const c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) return [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3];
  } else if (b0 >= 0xf0 && b0 <= 0xf4 && n >= 4) {
    const c1 = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) return [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4];
  }
  return [-1, 1];
}

/**
 * Go's `strconv.Quote` (`asciiOnly` false) or `strconv.QuoteToASCII` (`asciiOnly` true, which is what
 * `fmt.Sprintf("%+q", []byte)` gives) over raw bytes: invalid UTF-8 bytes become `\xNN`.
 */
export function goQuoteBytes(b: Uint8Array, asciiOnly: boolean): string {
  let out = '"';
  for (let i = 0; i < b.length;) {
    const [r, width] = decodeRune(b, i);
    out += r < 0 ? '\\x' + hex(b[i]!, 2) : escapeRune(r, asciiOnly);
    i += width;
  }
  return out + '"';
}
