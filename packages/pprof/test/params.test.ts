import { describe, expect, it } from 'vitest';
import { atoi, cpuProfileSeconds, deltaSeconds, parseGoInt } from '../src/params.ts';

describe('unit: Go parameter parsing', () => {
  it('parses integers like strconv.ParseInt(s, 10, 64)', () => {
    expect(parseGoInt('42')).toBe(42n);
    expect(parseGoInt('+7')).toBe(7n);
    expect(parseGoInt('-7')).toBe(-7n);
    expect(parseGoInt('007')).toBe(7n);
    for (const bad of ['', ' 1', '1 ', '1.0', '1e3', '0x10', 'abc', '9223372036854775808', null]) {
      expect(parseGoInt(bad)).toBeUndefined();
    }
    expect(parseGoInt('9223372036854775807')).toBe(2n ** 63n - 1n);
  });

  it('treats invalid or non-positive CPU seconds as 30', () => {
    expect(cpuProfileSeconds(null)).toBe(30n);
    expect(cpuProfileSeconds('0')).toBe(30n);
    expect(cpuProfileSeconds('-5')).toBe(30n);
    expect(cpuProfileSeconds('2.5')).toBe(30n);
    expect(cpuProfileSeconds('10')).toBe(10n);
  });

  it('reads debug and gc like Atoi, 0 on error', () => {
    expect(atoi('2')).toBe(2);
    expect(atoi('x')).toBe(0);
    expect(atoi(null)).toBe(0);
  });

  it("checks delta seconds in Go's order", () => {
    expect(deltaSeconds(null, true, 0)).toEqual({ kind: 'none' });
    expect(deltaSeconds('', false, 1)).toEqual({ kind: 'none' });
    expect(deltaSeconds('0', false, 1)).toMatchObject({
      message: 'invalid value for "seconds" - must be a positive integer',
    });
    expect(deltaSeconds('3', false, 1)).toMatchObject({
      message: '"seconds" parameter is not supported for this profile type',
    });
    expect(deltaSeconds('3', true, 1)).toMatchObject({
      message: 'seconds and debug params are incompatible',
    });
    expect(deltaSeconds('3', true, 0)).toEqual({ kind: 'delta', seconds: 3n });
  });
});
