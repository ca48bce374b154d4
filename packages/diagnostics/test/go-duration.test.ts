import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../src/flags/go-duration.ts';

describe('parseGoDuration', () => {
  it("reads what Go's time.ParseDuration reads, in milliseconds", () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['-0', 0],
      ['500ms', 500],
      ['1m0s', 60_000],
      ['1.5h', 5_400_000],
      ['2h45m', 9_900_000],
      ['.5s', 500],
      ['1.s', 1000],
      ['1.1s', 1100],
      ['+3s', 3000],
      ['-2s', -2000],
      ['1500us', 1.5],
      ['1000µs', 1],
      ['1000μs', 1],
      ['2000000ns', 2],
      ['1h1m1s1ms', 3_661_001],
    ];
    for (const [text, ms] of cases) expect(parseGoDuration(text), text).toBe(ms);
  });

  it('refuses what Go refuses', () => {
    for (const text of ['', '5', '.s', '1d', '1 s', 's', '-', '1.2.3s', '9223372037s'])
      expect(parseGoDuration(text), text).toBeUndefined();
  });
});
