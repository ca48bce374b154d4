/**
 * A small seeded PRNG (mulberry32): the fuzz and soak streams are a pure function of their seed, so a
 * failure found once can be replayed with `KUBEDIAG_FUZZ_SEED=<seed>`.
 */
export interface Prng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(table: readonly (readonly [number, T])[]): T;
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    weighted: (table) => {
      const total = table.reduce((s, [w]) => s + w, 0);
      let r = next() * total;
      for (const [w, v] of table) {
        r -= w;
        if (r < 0) return v;
      }
      return table[table.length - 1]![1];
    },
  };
}

/** The seed from `KUBEDIAG_FUZZ_SEED` (replay), else a fresh one. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KUBEDIAG_FUZZ_SEED;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff)
      throw new Error(`KUBEDIAG_FUZZ_SEED must be an integer in 0..4294967295, got ${JSON.stringify(raw)}`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000);
}
