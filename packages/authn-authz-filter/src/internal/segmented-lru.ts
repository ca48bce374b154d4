import { Lru } from './lru.ts';

/** Share of a segmented cache's entries and bytes given to its probation segment (SLRU's usual 20 %). */
export const PROBATION_SHARE = 0.2;

export type Segment = 'probation' | 'protected';

/** Entries and bytes of one segment. */
export interface SegmentUsage {
  readonly entries: number;
  readonly bytes: number;
}

/**
 * A segmented LRU (SLRU) bounded in entries and bytes: every entry arrives in a small probation
 * segment and moves to the protected segment when it is read again while `promotable` (a good answer:
 * an authenticated token, an allowed decision). Keys seen once, and every bad answer, stay in
 * probation, so a flood of unique junk only ever evicts junk: the protected entries (the scrapers')
 * are pushed out only by other protected entries, and then back into probation for a second chance.
 */
export class SegmentedLru<V> {
  readonly #probation: Lru<V>;
  readonly #protected: Lru<V>;
  readonly #promotable: (value: V) => boolean;

  /** `maxBytes` Infinity bounds entries only. */
  constructor(maxEntries: number, maxBytes: number, promotable: (value: V) => boolean) {
    const probationEntries = Math.max(1, Math.round(maxEntries * PROBATION_SHARE));
    this.#probation = new Lru(probationEntries, maxBytes * PROBATION_SHARE);
    // An entry pushed out of the protected segment gets a second chance in probation.
    this.#protected = new Lru(maxEntries - probationEntries, maxBytes * (1 - PROBATION_SHARE), (k, v, size) =>
      this.#probation.set(k, v, size),
    );
    this.#promotable = promotable;
  }

  get size(): number {
    return this.#probation.size + this.#protected.size;
  }

  usage(segment: Segment): SegmentUsage {
    const lru = segment === 'protected' ? this.#protected : this.#probation;
    return { entries: lru.size, bytes: lru.bytes };
  }

  /** The value, marked used; a promotable value read from probation moves to the protected segment. */
  get(key: string): V | undefined {
    const known = this.#protected.get(key);
    if (known !== undefined) return known;
    const value = this.#probation.peek(key);
    if (value === undefined) return undefined;
    if (!this.#promotable(value)) return this.#probation.get(key);
    const { size } = this.#probation.delete(key)!;
    // No room in the protected segment (a one-entry cache): it stays where it was.
    if (!this.#protected.set(key, value, size)) this.#probation.set(key, value, size);
    return value;
  }

  peek(key: string): V | undefined {
    return this.#protected.peek(key) ?? this.#probation.peek(key);
  }

  /** True when `key` has been read again since its good answer arrived: an identity in use. */
  isProtected(key: string): boolean {
    return this.#protected.has(key);
  }

  /**
   * Stores a fresh answer for `key`, counted at `size` bytes. A key in the protected segment stays
   * there while its answer is good; anything else (a new key, a bad answer) goes to probation.
   */
  set(key: string, value: V, size: number): void {
    if (this.#protected.has(key)) {
      if (this.#promotable(value) && this.#protected.set(key, value, size)) return;
      this.#protected.delete(key);
    }
    this.#probation.set(key, value, size);
  }

  delete(key: string): void {
    this.#protected.delete(key);
    this.#probation.delete(key);
  }

  clear(): void {
    this.#protected.clear();
    this.#probation.clear();
  }
}
