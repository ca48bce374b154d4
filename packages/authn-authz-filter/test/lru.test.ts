import { describe, expect, it } from 'vitest';
import { Lru } from '../src/internal/lru.ts';

describe('Lru', () => {
  it('never holds more than its capacity and evicts the oldest untouched entry first', () => {
    const lru = new Lru<number>(4);
    for (let i = 0; i < 10; i++) lru.set(`k${i}`, i);
    expect(lru.size).toBe(4);
    expect([0, 5, 6, 7, 8, 9].map((i) => lru.peek(`k${i}`))).toEqual([undefined, undefined, 6, 7, 8, 9]);
  });

  it('keeps an entry that is read regularly while others come and go', () => {
    const lru = new Lru<string>(8);
    lru.set('hot', 'x');
    for (let i = 0; i < 200; i++) {
      lru.set(`cold${i}`, 'y');
      expect(lru.get('hot')).toBe('x');
    }
    expect(lru.size).toBe(8);
  });

  it('keeps an Lru within its byte bound and refuses an entry larger than the bound', () => {
    const evicted: string[] = [];
    const lru = new Lru<string>(100, 10, (k) => evicted.push(k));
    expect(lru.set('a', 'x', 4)).toBe(true);
    expect(lru.set('b', 'x', 4)).toBe(true);
    expect(lru.set('c', 'x', 4)).toBe(true);
    expect([lru.size, lru.bytes, evicted]).toEqual([2, 8, ['a']]);
    expect(lru.set('huge', 'x', 11)).toBe(false);
    expect([lru.peek('huge'), lru.size, lru.bytes]).toEqual([undefined, 2, 8]);
    expect(lru.delete('b')).toMatchObject({ value: 'x', size: 4 });
    expect(lru.bytes).toBe(4);
  });
});
