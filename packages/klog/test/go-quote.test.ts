import { describe, expect, it } from 'vitest';
import { goQuote, goQuoteBytes, isGoPrint } from '../src/internal/go-quote.ts';

// Expected values are what Go's strconv.Quote / QuoteToASCII / fmt %+q print (Go 1.22+).
describe('goQuote (strconv.Quote)', () => {
  it.each([
    ['hello', '"hello"'],
    ['', '""'],
    [`"Fran & Freddie's Diner\t☺"`, `"\\"Fran & Freddie's Diner\\t☺\\""`],
    ['back\\slash', '"back\\\\slash"'],
    ['\u0007\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\u0000\u001f\u007f', '"\\x00\\x1f\\x7f"'],
    ['<&>', '"<&>"'],
    ['héllo wörld ☺ 日本語', '"héllo wörld ☺ 日本語"'],
    ['\u00a0', '"\\u00a0"'], // no-break space is not printable in Go (only U+0020 is)
    ['\u00ad', '"\\u00ad"'], // soft hyphen, Cf
    ['\u0085', '"\\u0085"'], // C1 control
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['\ufeff', '"\\ufeff"'],
    ['\ue000', '"\\ue000"'], // private use
    ['\u0378', '"\\u0378"'], // unassigned
    ['😀', '"😀"'],
    ['\u{e0001}', '"\\U000e0001"'], // language tag, Cf, above the BMP
    ['\ud800x', '"�x"'], // a lone surrogate is written as U+FFFD, printable in Go
  ])('quotes %j as Go does', (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });

  it('treats exactly Go unicode.IsPrint runes as printable in Latin-1', () => {
    expect(isGoPrint(0x20)).toBe(true);
    expect(isGoPrint(0x7e)).toBe(true);
    expect(isGoPrint(0x7f)).toBe(false);
    expect(isGoPrint(0xa0)).toBe(false);
    expect(isGoPrint(0xa1)).toBe(true);
    expect(isGoPrint(0xad)).toBe(false);
    expect(isGoPrint(0xff)).toBe(true);
  });
});

describe('goQuoteBytes (%+q and strconv.Quote over bytes)', () => {
  it('escapes every non-ASCII rune and invalid byte with asciiOnly (fmt %+q)', () => {
    const b = Buffer.concat([Buffer.from('a"☺\n'), Buffer.from([0x00, 0xff, 0xc3]), Buffer.from('😀')]);
    expect(goQuoteBytes(b, true)).toBe('"a\\"\\u263a\\n\\x00\\xff\\xc3\\U0001f600"');
  });

  it('keeps printable runes and escapes invalid UTF-8 as \\x without asciiOnly', () => {
    expect(goQuoteBytes(Buffer.from([0x38, 0xff, 0xe2, 0x98, 0xba]), false)).toBe('"8\\xff☺"');
  });

  it('rejects overlong encodings and UTF-8 surrogates like utf8.DecodeRune', () => {
    expect(goQuoteBytes(Buffer.from([0xc0, 0x80]), false)).toBe('"\\xc0\\x80"');
    expect(goQuoteBytes(Buffer.from([0xed, 0xa0, 0x80]), false)).toBe('"\\xed\\xa0\\x80"');
    expect(goQuoteBytes(Buffer.from([0xef, 0xbf, 0xbd]), true)).toBe('"\\ufffd"');
  });
});
