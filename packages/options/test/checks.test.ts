import { describe as suite, expect, it } from 'vitest';
import {
  all,
  boolean,
  checkValue,
  custom,
  duration,
  func,
  hasMethods,
  integer,
  list,
  matches,
  number,
  object,
  oneOf,
  record,
  string,
  union,
} from '../src/index.ts';

suite('leaf checks', () => {
  it('integer: bounds, non-integers and non-numbers, with what was given', () => {
    const check = integer({ min: 1, max: 20 });
    expect(checkValue(check, 5)).toEqual([]);
    expect(checkValue(check, 0, 'retry.attempts')).toEqual([
      { path: 'retry.attempts', message: 'expected an integer from 1 to 20, got 0' },
    ]);
    expect(checkValue(check, 1.5)[0]?.message).toBe('expected an integer from 1 to 20, got 1.5');
    expect(checkValue(check, '5')[0]?.message).toBe('expected an integer from 1 to 20, got "5"');
    expect(checkValue(integer({ min: 0 }), -1)[0]?.message).toBe('expected an integer >= 0, got -1');
    expect(checkValue(integer(), Number.MAX_SAFE_INTEGER + 2)).toHaveLength(1);
  });

  it('number accepts fractions, refuses NaN and infinities', () => {
    expect(checkValue(number({ min: 0, max: 1 }), 0.2)).toEqual([]);
    expect(checkValue(number(), Number.NaN)[0]?.message).toBe('expected a number, got NaN');
    expect(checkValue(number(), Infinity)).toHaveLength(1);
  });

  it('duration is whole milliseconds up to 24 h by default', () => {
    expect(checkValue(duration(), 0)).toEqual([]);
    expect(checkValue(duration(), 86_400_000)).toEqual([]);
    expect(checkValue(duration(), 86_400_001)[0]?.message).toBe(
      'expected a duration in milliseconds from 0 to 86400000, got 86400001',
    );
    expect(checkValue(duration({ min: 1 }), 0)).toHaveLength(1);
  });

  it('boolean', () => {
    expect(checkValue(boolean(), false)).toEqual([]);
    expect(checkValue(boolean(), 'true')[0]?.message).toBe('expected a boolean, got "true"');
  });

  it('string: non-empty by default, pattern and length with the expectation named', () => {
    expect(checkValue(string(), '')[0]?.message).toBe('expected a non-empty string, got ""');
    expect(checkValue(string({ allowEmpty: true }), '')).toEqual([]);
    const verb = string({ pattern: /^[a-z]+$/, expected: 'a lowercase verb' });
    expect(checkValue(verb, 'GET')[0]?.message).toBe('expected a lowercase verb, got "GET"');
    expect(checkValue(string({ maxLength: 3 }), 'abcd')).toHaveLength(1);
  });

  it('a long string is never echoed whole (it may be a credential)', () => {
    const secret = 'x'.repeat(500);
    const [problem] = checkValue(integer(), secret);
    expect(problem?.message).toBe('expected an integer, got a string of 500 characters');
    expect(problem?.message).not.toContain('xxxxxxxx');
  });

  it('oneOf lists the choices and suggests the nearest string', () => {
    const format = oneOf(['text', 'json']);
    expect(checkValue(format, 'json')).toEqual([]);
    expect(checkValue(format, 'jsn')[0]?.message).toBe(
      'expected one of "text", "json", got "jsn"; did you mean "json"?',
    );
    expect(checkValue(format, 'yaml')[0]?.message).toBe('expected one of "text", "json", got "yaml"');
    expect(checkValue(oneOf([false]), true)[0]?.message).toBe('expected false, got true');
  });

  it('list reports items as path[i]', () => {
    const strings = list(string());
    expect(checkValue(strings, ['a', '', 'b', 3], 'audiences')).toEqual([
      { path: 'audiences[1]', message: 'expected a non-empty string, got ""' },
      { path: 'audiences[3]', message: 'expected a non-empty string, got 3' },
    ]);
    expect(checkValue(strings, 'a')[0]?.message).toBe('expected an array, got "a"');
    expect(checkValue(list(string(), { nonEmpty: true }), [])).toHaveLength(1);
    expect(checkValue(list(string(), { maxItems: 1 }), ['a', 'b'])).toHaveLength(1);
  });

  it('func, matches and custom name what they expected', () => {
    expect(checkValue(func('a filter provider'), {})[0]?.message).toBe(
      'expected a filter provider, got an object',
    );
    const registry = matches(
      (v) => typeof (v as { metrics?: unknown })?.metrics === 'function',
      'a Registry',
    );
    expect(checkValue(registry, new Map())[0]?.message).toBe('expected a Registry, got an instance of Map');
    const port = custom((v) => (v === 0 ? 'port 0 is not allowed here' : undefined));
    expect(checkValue(port, 0)).toEqual([{ path: '', message: 'port 0 is not allowed here' }]);
  });

  it('hasMethods recognises objects and functions by their methods', () => {
    const isRegistry = hasMethods('metrics', 'getSingleMetric');
    expect(isRegistry({ metrics: () => '', getSingleMetric: () => undefined })).toBe(true);
    expect(isRegistry({ metrics: () => '' })).toBe(false);
    expect(isRegistry(Object.assign(() => 1, { metrics: () => '', getSingleMetric: () => 1 }))).toBe(true);
    expect(isRegistry(null)).toBe(false);
    expect(isRegistry('metrics')).toBe(false);
  });

  it('all stops at the first check that finds a problem', () => {
    let parsed = 0;
    const check = all(
      string(),
      custom(() => {
        parsed++;
        return undefined;
      }),
    );
    expect(checkValue(check, 5)).toHaveLength(1);
    expect(parsed).toBe(0);
    expect(checkValue(check, 'ok')).toEqual([]);
    expect(parsed).toBe(1);
  });

  it('union picks the branch by test, or says what kinds were expected', () => {
    const profiling = union(
      'false or profiling options',
      [(v) => v === false, () => undefined],
      [(v) => typeof v === 'object' && v !== null, object({ prefix: string() })],
    );
    expect(checkValue(profiling, false)).toEqual([]);
    expect(checkValue(profiling, { prefix: '' }, 'profiling')).toEqual([
      { path: 'profiling.prefix', message: 'expected a non-empty string, got ""' },
    ]);
    expect(checkValue(profiling, true, 'profiling')[0]?.message).toBe(
      'expected false or profiling options, got true',
    );
  });
});

suite('object', () => {
  const server = object({
    bindAddress: string(),
    tls: object({ minVersion: oneOf(['VersionTLS12', 'VersionTLS13']) }),
  });

  it('refuses a misspelled key with its full path and the key it meant', () => {
    expect(checkValue(server, { bindAdress: '127.0.0.1:9443' }, 'server')).toEqual([
      { path: 'server.bindAdress', message: 'unknown option; did you mean "bindAddress"?' },
    ]);
  });

  it('refuses unknown keys in nested blocks too', () => {
    expect(checkValue(server, { tls: { minVerson: 'VersionTLS13' } }, 'server')).toEqual([
      { path: 'server.tls.minVerson', message: 'unknown option; did you mean "minVersion"?' },
    ]);
  });

  it('lists the known keys when nothing is close', () => {
    expect(checkValue(server, { frobnicate: 1 })[0]).toEqual({
      path: 'frobnicate',
      message: 'unknown option; expected one of bindAddress, tls',
    });
  });

  it('skips options set to undefined, and reports every problem at once', () => {
    expect(checkValue(server, { bindAddress: undefined })).toEqual([]);
    expect(checkValue(server, { bindAddress: '', tls: { minVersion: 'x' }, nope: 1 })).toHaveLength(3);
  });

  it('quotes keys that are not identifiers', () => {
    const handlers = record(func('a request handler'));
    expect(checkValue(handlers, { '/debug/x': 1 }, 'extraHandlers')).toEqual([
      { path: 'extraHandlers["/debug/x"]', message: 'expected a request handler, got 1' },
    ]);
  });

  it('refuses what is not a plain object: arrays, null, class instances', () => {
    for (const v of [[], null, new Date(0), 'x']) expect(checkValue(server, v)).toHaveLength(1);
    expect(checkValue(server, Object.create(null) as object)).toEqual([]);
  });

  it('does not take inherited names such as toString for options', () => {
    expect(checkValue(server, { toString: 'x' })[0]?.message).toMatch(/^unknown option/);
  });
});
