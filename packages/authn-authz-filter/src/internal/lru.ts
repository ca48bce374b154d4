/**
 * A size-bounded, approximately least-recently-used map. A JavaScript Map iterates in insertion order,
 * so eviction takes the first key. Moving an entry to the back on every read (delete + set) is what a
 * strict LRU does, but it makes V8 rehash the table constantly; an entry is moved only once at least
 * half the capacity has been inserted since its last move, which keeps every entry in use safe from
 * eviction at a fraction of the cost.
 */
export class Lru<V> {
  readonly #max: number;
  readonly #map = new Map<string, { value: V; tick: number }>();
  #tick = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Returns the value and marks it recently used. */
  get(key: string): V | undefined {
    const node = this.#map.get(key);
    if (node === undefined) return undefined;
    if (this.#tick - node.tick >= this.#max >> 1) {
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

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, { value, tick: ++this.#tick });
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done === true) break;
      this.#map.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
