/**
 * Go's `strings.TrimSpace` over a header value as Node gives it: one character per byte (latin1), as
 * Node's HTTP parser decodes header bytes. Go works on the same bytes: it trims ASCII white space, and
 * Unicode white space only where the bytes are its UTF-8 encoding. So a lone byte 0xA0 (`\u00a0` to
 * Node, which JavaScript's `trim()` removes) is kept, and so is 0x85, while the UTF-8 encodings of
 * U+00A0, U+0085, U+3000 and the other Unicode spaces are removed. Measured against kube-apiserver
 * and controller-runtime's filter: `Bearer <token>\xa0` is refused there, `Bearer <token>\xc2\xa0`
 * authenticates.
 */
export function goTrimSpace(value: string): string {
  // The common case first: printable ASCII at both ends, nothing to trim.
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return value;
  let start = 0;
  let end = value.length;
  for (let n = spaceAt(value, start); n > 0; n = spaceAt(value, start)) start += n;
  for (let n = spaceBefore(value, end, start); n > 0; n = spaceBefore(value, end, start)) end -= n;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** unicode.IsSpace beyond Latin-1, as the UTF-8 bytes of each rune (one character per byte). */
const UTF8_SPACES: readonly string[] = [
  '\xc2\x85', // U+0085 NEL
  '\xc2\xa0', // U+00A0 NO-BREAK SPACE
  '\xe1\x9a\x80', // U+1680
  ...Array.from({ length: 11 }, (_, i) => `\xe2\x80${String.fromCharCode(0x80 + i)}`), // U+2000..U+200A
  '\xe2\x80\xa8', // U+2028
  '\xe2\x80\xa9', // U+2029
  '\xe2\x80\xaf', // U+202F
  '\xe2\x81\x9f', // U+205F
  '\xe3\x80\x80', // U+3000
];

/** Go's asciiSpace: \t \n \v \f \r and space. */
function isAsciiSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Length of the white space (one ASCII byte or one UTF-8 encoded space) at `at`, or 0. */
function spaceAt(value: string, at: number): number {
  if (at >= value.length) return 0;
  const code = value.charCodeAt(at);
  if (isAsciiSpace(code)) return 1;
  if (code < 0xc2 || code > 0xe3) return 0;
  for (const s of UTF8_SPACES) if (value.startsWith(s, at)) return s.length;
  return 0;
}

/** Length of the white space ending at `end` (not reaching before `floor`), or 0. */
function spaceBefore(value: string, end: number, floor: number): number {
  if (end <= floor) return 0;
  const code = value.charCodeAt(end - 1);
  if (isAsciiSpace(code)) return 1;
  if (code < 0x80 || code > 0xbf) return 0;
  for (const s of UTF8_SPACES) if (end - s.length >= floor && value.endsWith(s, end)) return s.length;
  return 0;
}
