interface Node<V> {
  value: V;
  tick: number;
  readonly size: number;
}

/** Called with each entry an {@link Lru} pushes out to stay within its bounds. */
export type Evicted<V> = (key: string, value: V, size: number) => void;

/**
 * A map bounded in entries and in bytes, approximately least-recently-used. Each entry is counted at
 * the size its owner gives; one larger than the byte bound is not stored. A JavaScript Map iterates
 * in insertion order, so eviction takes the first key. Moving an entry to the back on every read
 * (delete + set) is what a strict LRU does, but it makes V8 rehash the table constantly; an entry is
 * moved only once at least half the capacity has been inserted since its last move, which keeps every
 * entry in use safe from eviction at a fraction of the cost.
 */
export class Lru<V> {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #evicted: Evicted<V> | undefined;
  readonly #map = new Map<string, Node<V>>();
  #bytes = 0;
  #tick = 0;

  /** `maxBytes` Infinity bounds entries only; `evicted` hears of every entry pushed out. */
  constructor(maxEntries: number, maxBytes: number = Number.POSITIVE_INFINITY, evicted?: Evicted<V>) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#evicted = evicted;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The sizes of the entries held, summed. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Returns the value and marks it recently used. */
  get(key: string): V | undefined {
    const node = this.#map.get(key);
    if (node === undefined) return undefined;
    if (this.#tick - node.tick >= this.#maxEntries >> 1) {
      this.#map.delete(key);
      node.tick = ++this.#tick;
      this.#map.set(key, node);
    }
    return node.value;
  }

  /** Returns the value without marking it used. */
  peek(key: string): V | undefined {
    return this.#map.get(key)?.value;
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /**
   * Stores `value` as the most recently used entry, counted at `size` bytes, and evicts the oldest
   * entries beyond the bounds. False (and nothing stored under `key`) when `size` alone exceeds the
   * byte bound or there is no room at all.
   */
  set(key: string, value: V, size = 0): boolean {
    this.delete(key);
    if (size > this.#maxBytes || this.#maxEntries < 1) return false;
    this.#map.set(key, { value, tick: ++this.#tick, size });
    this.#bytes += size;
    while (this.#map.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#map.entries().next();
      if (oldest.done === true) break;
      const [k, node] = oldest.value;
      this.#map.delete(k);
      this.#bytes -= node.size;
      this.#evicted?.(k, node.value, node.size);
    }
    return true;
  }

  /** Removes `key`; returns what it held. */
  delete(key: string): { readonly value: V; readonly size: number } | undefined {
    const node = this.#map.get(key);
    if (node === undefined) return undefined;
    this.#map.delete(key);
    this.#bytes -= node.size;
    return node;
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }
}
