process.env.TZ = 'UTC';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';
import { FIXED_MS, golden, here } from './support/helpers.ts';

function json(extra = {}) {
  return golden({ format: 'json', verbosity: 10, ...extra });
}

describe('json format (component-base)', () => {
  it('writes ts as float epoch milliseconds, msg, v and the pairs', () => {
    const g = json();
    createLogger(g.options).V(2).info('Pod status updated', { pod: 'kube-system/a', status: 'ready' });
    expect(g.text()).toBe(
      `{"ts":${FIXED_MS},"msg":"Pod status updated","v":2,"pod":"kube-system/a","status":"ready"}\n`,
    );
    expect(JSON.parse(g.lines[0]!)).toEqual({
      ts: 1767366245123.456,
      msg: 'Pod status updated',
      v: 2,
      pod: 'kube-system/a',
      status: 'ready',
    });
  });

  it('writes v=0 for info', () => {
    const g = json();
    createLogger(g.options).info('hello');
    expect(g.text()).toBe(`{"ts":${FIXED_MS},"msg":"hello","v":0}\n`);
  });

  it('puts the name in "logger" and WithValues pairs before "v"', () => {
    const g = json();
    createLogger(g.options).withName('a').withName('b').withValues({ ctx: 'x' }).V(1).info('m', { k: 1 });
    expect(g.text()).toBe(`{"ts":${FIXED_MS},"logger":"a.b","msg":"m","ctx":"x","v":1,"k":1}\n`);
  });

  it('writes errors with "err" after the pairs and no "v"', () => {
    const g = json();
    createLogger(g.options).withValues({ ctx: 'x' }).error(new Error('boom'), 'failed', { k: 1 });
    expect(g.text()).toBe(`{"ts":${FIXED_MS},"msg":"failed","ctx":"x","k":1,"err":"boom"}\n`);
  });

  it('writes a warning as component-base writes klog.Warning: an info line with "v":0, whatever the verbosity', () => {
    const g = json({ verbosity: 0, vmodule: 'json-format=1' });
    createLogger(g.options).withName('pprof').warning('Event loop was blocked', { duration: '2.1s' });
    expect(g.text()).toBe(
      `{"ts":${FIXED_MS},"logger":"pprof","msg":"Event loop was blocked","v":0,"duration":"2.1s"}\n`,
    );
  });

  it('omits "err" for a null error', () => {
    const g = json();
    createLogger(g.options).error(null, 'failed');
    expect(g.text()).toBe(`{"ts":${FIXED_MS},"msg":"failed"}\n`);
  });

  it('encodes values like zap: errors by message, Stringers, bytes as base64, NaN/Inf as strings', () => {
    const g = json();
    const stringer = { toString: () => 'ns/name' };
    createLogger(g.options).info('v', {
      e: new Error('inner'),
      s: stringer,
      b: Buffer.from('hi'),
      nan: NaN,
      inf: -Infinity,
      big: 10n,
      o: { a: [1, 'x'], h: '<&>' },
      m: new Map([['k', 1]]),
      u: undefined,
      multi: 'a\nb',
    });
    expect(g.text()).toBe(
      `{"ts":${FIXED_MS},"msg":"v","v":0,"e":"inner","s":"ns/name","b":"aGk=","nan":"NaN","inf":"-Inf","big":10,` +
        `"o":{"a":[1,"x"],"h":"<&>"},"m":{"k":1},"u":null,"multi":"a\\nb"}\n`,
    );
  });

  it('de-duplicates keys like the text format and keeps "v" between WithValues and call pairs', () => {
    const g = json();
    createLogger(g.options).withValues({ a: 1, b: 2 }).V(3).info('m', ['a', 9, 'c', 3]);
    expect(g.text()).toBe(`{"ts":${FIXED_MS},"msg":"m","b":2,"v":3,"a":9,"c":3}\n`);
  });

  it('writes "(MISSING)" for an odd pair list and escapes the message as JSON', () => {
    const g = json();
    createLogger(g.options).info('say "hi"\n', ['k']);
    expect(g.text()).toBe(`{"ts":${FIXED_MS},"msg":"say \\"hi\\"\\n","v":0,"k":"(MISSING)"}\n`);
  });

  it('writes <panic: ...> for a throwing toString', () => {
    const g = json();
    const bad = {
      toString(): string {
        throw new Error('nope');
      },
    };
    createLogger(g.options).info('m', { bad });
    expect(JSON.parse(g.lines[0]!)).toMatchObject({ bad: '<panic: nope>' });
  });

  it('writes caller as dir/file:line', () => {
    const g = json({ caller: true });
    const at = here() + 1; // the next line
    createLogger(g.options).info('m');
    const warningAt = here() + 1;
    createLogger(g.options).warning('w');
    expect(JSON.parse(g.lines[0]!)).toMatchObject({ caller: `test/json-format.test.ts:${at}` });
    expect(JSON.parse(g.lines[1]!)).toMatchObject({ caller: `test/json-format.test.ts:${warningAt}` });
  });
});
