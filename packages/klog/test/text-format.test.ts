process.env.TZ = 'UTC';
import { describe, expect, it } from 'vitest';
import { createLogger, getVerbosityControl } from '../src/index.ts';
import type { KeyValues, Logger } from '../src/index.ts';
import { golden, header, here } from './support/helpers.ts';

function line(msgAndKvs: string, severity = 'I'): string {
  return header(severity) + msgAndKvs + '\n';
}

function logText(kv: KeyValues, msg = 'test', setup: (l: Logger) => Logger = (l) => l): string {
  const g = golden({ verbosity: 10 });
  setup(createLogger(g.options)).info(msg, kv);
  return g.text();
}

class Thing {
  constructor(private readonly id: string) {}
  toString(): string {
    return `thing/${this.id}`;
  }
}

describe('text format', () => {
  it('writes the klog header with local time, microseconds and the PID in 7 columns', () => {
    expect(logText({ akey: 'avalue' })).toBe(line('"test" akey="avalue"'));
  });

  it('quotes the message with Go quoting, even when it has line breaks', () => {
    expect(logText({ key: '"quoted value"' }, '"quoted"')).toBe(
      line('"\\"quoted\\"" key="\\"quoted value\\""'),
    );
    expect(logText({}, 'two\nlines')).toBe(line('"two\\nlines"'));
  });

  it('does not HTML-escape strings', () => {
    expect(logText({ akey: '<&>' })).toBe(line('"test" akey="<&>"'));
  });

  it('escapes non-printable runes and keeps printable unicode', () => {
    expect(logText({ a: 'nul\u0000 bell\u0007 nbsp\u00a0 ☺ é' })).toBe(
      line('"test" a="nul\\x00 bell\\a nbsp\\u00a0 ☺ é"'),
    );
  });

  it('accepts alternating pairs and pads an odd count with "(MISSING)"', () => {
    expect(logText(['akey', 'avalue', 'akey2'], 'odd arguments')).toBe(
      line('"odd arguments" akey="avalue" akey2="(MISSING)"'),
    );
  });

  it('writes multi-line strings as key=< blocks with tab-indented lines', () => {
    expect(logText({ s: 'line 1\nline 2' })).toBe(line('"test" s=<\n\tline 1\n\tline 2\n >'));
    expect(logText({ s: 'ends with newline\n' })).toBe(line('"test" s=<\n\tends with newline\n >'));
  });

  it('writes errors as their quoted message', () => {
    expect(logText({ err: new Error('whoops') })).toBe(line('"test" err="whoops"'));
    expect(logText({ err: new Error('multi\nline') })).toBe(line('"test" err=<\n\tmulti\n\tline\n >'));
  });

  it('writes Stringers (a custom toString) quoted', () => {
    expect(logText({ pod: new Thing('kube-system/pod-1') })).toBe(
      line('"test" pod="thing/kube-system/pod-1"'),
    );
  });

  it('writes byte arrays like %+q', () => {
    expect(logText({ b: Buffer.from([0x68, 0x69, 0x00, 0xff, 0xe2, 0x98, 0xba, 0x0a]) })).toBe(
      line('"test" b="hi\\x00\\xff\\u263a\\n"'),
    );
    expect(logText({ b: new Uint8Array([0x41]) })).toBe(line('"test" b="A"'));
  });

  it('writes other values as JSON, with Go encoding/json HTML escaping', () => {
    expect(
      logText({
        s: { hello: 'world' },
        i: new Map([
          ['1', 2],
          ['3', 4],
        ]),
        l: ['hello', 'world'],
        n: [1, 2, 3],
        o: { Name: 'worker', Kind: 'pod', h: '<a&b>' },
        set: new Set([1, 2]),
        d: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
      }),
    ).toBe(
      line(
        '"test" s={"hello":"world"} i={"1":2,"3":4} l=["hello","world"] n=[1,2,3] ' +
          'o={"Name":"worker","Kind":"pod","h":"\\u003ca\\u0026b\\u003e"} set=[1,2] d="2026-01-02T03:04:05.000Z"',
      ),
    );
  });

  it('writes numbers, booleans, null, undefined and bigints like Go', () => {
    expect(
      logText({
        i: 42,
        f: 1.5,
        neg: -0,
        big: 1e21,
        small: 1e-7,
        t: true,
        n: null,
        u: undefined,
        b: 12345678901234567890n,
      }),
    ).toBe(line('"test" i=42 f=1.5 neg=-0 big=1e+21 small=1e-7 t=true n=null u=null b=12345678901234567890'));
  });

  it('reports values Go cannot encode as an internal error', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(logText({ nan: NaN, inf: Infinity, f: () => 1, c: cyclic })).toBe(
      line(
        '"test" nan="<internal error: json: unsupported value: NaN>" inf="<internal error: json: unsupported value: +Inf>" ' +
          'f="<internal error: json: unsupported type: function>" c="<internal error: json: unsupported value: encountered a cycle via Object>"',
      ),
    );
  });

  it('writes <panic: ...> when toString, toJSON or an error message throws', () => {
    const stringer = {
      toString(): string {
        throw new Error('fake String panic');
      },
    };
    const marshaler = {
      toJSON(): unknown {
        throw new Error('fake toJSON panic');
      },
    };
    const faulty = new Error('x');
    Object.defineProperty(faulty, 'message', {
      get() {
        throw new Error('fake Error panic');
      },
    });
    expect(logText({ stringer, marshaler, err: faulty })).toBe(
      line(
        '"test" stringer="<panic: fake String panic>" marshaler="<panic: fake toJSON panic>" err="<panic: fake Error panic>"',
      ),
    );
  });

  it('prints a non-string key with String()', () => {
    expect(logText([1, 'value', 2, 'value2', 'akey', 'avalue'], 'integer keys')).toBe(
      line('"integer keys" 1="value" 2="value2" akey="avalue"'),
    );
  });
});

describe('text format: names, WithValues and duplicates (klog test/output.go)', () => {
  it('adds logger="a.b" first for names', () => {
    expect(logText({ akey: 'avalue' }, 'test', (l) => l.withName('me'))).toBe(
      line('"test" logger="me" akey="avalue"'),
    );
    expect(logText({ akey: 'avalue' }, 'test', (l) => l.withName('hello').withName('world'))).toBe(
      line('"test" logger="hello.world" akey="avalue"'),
    );
  });

  it('keeps the logger pair first even when names are added after values', () => {
    expect(logText({ b: 2 }, 'test', (l) => l.withValues({ a: 1 }).withName('n'))).toBe(
      line('"test" logger="n" a=1 b=2'),
    );
  });

  it('writes WithValues pairs before the call pairs, in order', () => {
    expect(
      logText(['akey5', 'avalue5', 'akey4', 'avalue4'], 'test', (l) =>
        l.withValues(['akey9', 'avalue9', 'akey8', 'avalue8', 'akey1', 'avalue1']),
      ),
    ).toBe(line('"test" akey9="avalue9" akey8="avalue8" akey1="avalue1" akey5="avalue5" akey4="avalue4"'));
  });

  it('lets a call pair override a WithValues pair of the same key', () => {
    expect(logText({ akey: 'avalue2' }, 'test', (l) => l.withValues({ akey: 'avalue' }))).toBe(
      line('"test" akey="avalue2"'),
    );
    expect(
      logText(['duration', '1m0s', 'A', 'b'], 'test', (l) => l.withValues(['duration', '1h0m0s', 'X', 'y'])),
    ).toBe(line('"test" X="y" duration="1m0s" A="b"'));
  });

  it('keeps the position of an earlier identical pair', () => {
    expect(logText(['a', 1, 'b', 2], 'test', (l) => l.withValues(['a', 1, 'z', 0]))).toBe(
      line('"test" a=1 z=0 b=2'),
    );
  });

  it('de-duplicates repeated keys of one call: the last value wins', () => {
    expect(logText(['akey', 'avalue', 'akey', 'avalue2'])).toBe(line('"test" akey="avalue2"'));
  });

  it('pads odd WithValues and odd call pairs separately', () => {
    expect(
      logText(['akey', 'avalue', 'akey2'], 'both odd', (l) =>
        l.withValues(['basekey1', 'basevar1', 'basekey2']),
      ),
    ).toBe(line('"both odd" basekey1="basevar1" basekey2="(MISSING)" akey="avalue" akey2="(MISSING)"'));
  });

  it('does not change the parent when a child adds values (multiple WithValues)', () => {
    const g = golden();
    const l1 = createLogger(g.options).withValues(['firstKey', 1]);
    const l2 = l1.withValues(['secondKey', 2]);
    const l3 = l1.withValues(['secondKey', 3]);
    for (const l of [l1, l2, l1, l3]) l.info('test');
    expect(g.text()).toBe(
      line('"test" firstKey=1') +
        line('"test" firstKey=1 secondKey=2') +
        line('"test" firstKey=1') +
        line('"test" firstKey=1 secondKey=3'),
    );
  });
});

describe('text format: errors', () => {
  it('writes E lines with err first, then the logger name and pairs', () => {
    const g = golden();
    createLogger(g.options)
      .withName('ctrl')
      .withValues({ pod: 'a' })
      .error(new Error('whoops'), 'test', { k: 1 });
    expect(g.text()).toBe(line('"test" err="whoops" logger="ctrl" pod="a" k=1', 'E'));
  });

  it('omits err when the error is null or undefined', () => {
    const g = golden();
    const l = createLogger(g.options);
    l.error(null, 'error nil');
    l.error(undefined, 'error undefined');
    expect(g.text()).toBe(line('"error nil"', 'E') + line('"error undefined"', 'E'));
  });

  it('formats a non-Error err as a value', () => {
    const g = golden();
    createLogger(g.options).error('plain string', 'test');
    expect(g.text()).toBe(line('"test" err="plain string"', 'E'));
  });

  it('writes errors whatever the verbosity', () => {
    const g = golden({ verbosity: 0 });
    createLogger(g.options).error(new Error('e'), 'always');
    expect(g.lines).toHaveLength(1);
  });
});

describe('text format: warnings', () => {
  it('writes W lines with the logger name, WithValues pairs and the call pairs', () => {
    const g = golden();
    createLogger(g.options)
      .withName('pprof')
      .withValues({ pod: 'a' })
      .warning('Event loop was blocked', { duration: '2.1s' });
    expect(g.text()).toBe(line('"Event loop was blocked" logger="pprof" pod="a" duration="2.1s"', 'W'));
  });

  it('writes warnings at verbosity 0 and whatever vmodule says, like klog.Warning', () => {
    const g = golden({ verbosity: 0, vmodule: 'quiet=1,text-format=1' });
    const l = createLogger(g.options).withName('quiet');
    l.warning('always');
    getVerbosityControl(l).setVModule('');
    l.warning('still');
    expect(g.text()).toBe(line('"always" logger="quiet"', 'W') + line('"still" logger="quiet"', 'W'));
  });
});

describe('text format: caller', () => {
  it('writes the caller file base name and line', () => {
    const g = golden({ caller: true });
    const l = createLogger(g.options);
    const infoLine = here() + 1; // each call is on the line after here()
    l.info('a');
    const vLine = here() + 1;
    l.V(0).info('b');
    const errorLine = here() + 1;
    l.error(new Error('c'), 'c');
    const warningLine = here() + 1;
    l.warning('d');
    expect(g.lines).toEqual([
      header('I', `text-format.test.ts:${infoLine}`) + '"a"\n',
      header('I', `text-format.test.ts:${vLine}`) + '"b"\n',
      header('E', `text-format.test.ts:${errorLine}`) + '"c" err="c"\n',
      header('W', `text-format.test.ts:${warningLine}`) + '"d"\n',
    ]);
  });

  it('writes ???:1 when caller capture is off, like klog without a caller', () => {
    const g = golden({ caller: false });
    createLogger(g.options).info('a');
    expect(g.lines[0]).toContain(' ???:1] ');
  });
});
