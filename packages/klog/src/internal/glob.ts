// Go's path/filepath.Match compiled to a RegExp once per vmodule entry: `*` (any run of non-`/`),
// `?` (one non-`/`), `[...]` classes with `^` negation, `lo-hi` ranges and `\` escapes. A malformed
// pattern never matches, as in klog (which ignores filepath.ErrBadPattern).

// Any literal other than a word character is written as a code point escape: in a `u` RegExp an
// identity escape such as `\-` is a syntax error, and file names of Node projects are full of hyphens.
const WORD = /^\w$/;

function escapeRe(ch: string): string {
  return WORD.test(ch) ? ch : classChar(ch.codePointAt(0)!);
}

function classChar(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** Compiles a Go filepath.Match pattern; `undefined` when the pattern is malformed. */
export function compileGoGlob(pattern: string): RegExp | undefined {
  const chars = Array.from(pattern);
  let i = 0;
  let re = '^';
  // One class element: an escaped or plain rune; `-` and `]` must be escaped there (Go's getEsc).
  const getEsc = (): number | undefined => {
    let ch = chars[i];
    if (ch === undefined || ch === '-' || ch === ']') return undefined;
    if (ch === '\\') {
      i++;
      ch = chars[i];
      if (ch === undefined) return undefined;
    }
    i++;
    return ch.codePointAt(0);
  };
  while (i < chars.length) {
    const ch = chars[i]!;
    if (ch === '*') {
      re += '[^/]*';
      i++;
    } else if (ch === '?') {
      re += '[^/]';
      i++;
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) return undefined;
      re += escapeRe(next);
      i += 2;
    } else if (ch === '[') {
      i++;
      let cls = '[';
      if (chars[i] === '^') {
        cls += '^';
        i++;
      }
      let nrange = 0;
      for (;;) {
        if (chars[i] === ']' && nrange > 0) {
          i++;
          break;
        }
        const lo = getEsc();
        if (lo === undefined) return undefined;
        let hi = lo;
        if (chars[i] === '-') {
          i++;
          const h = getEsc();
          if (h === undefined) return undefined;
          hi = h;
        }
        if (hi < lo) return undefined; // a reversed range would make RegExp throw; Go never matches it
        cls += lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`;
        nrange++;
      }
      re += cls + ']';
    } else {
      re += escapeRe(ch);
      i++;
    }
  }
  return new RegExp(re + '$', 'u');
}
