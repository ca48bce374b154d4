import type { CpuChunk } from '../internal/cpu-chunk.ts';

/**
 * The recorder's window: the last chunks, oldest first, bounded in time (chunks that ended more than
 * `windowUs` ago go) and in bytes (the oldest go until the total fits; a chunk larger than the whole
 * bound is not kept at all, so the ring never holds more than `maxBytes`).
 */
export class ChunkRing {
  readonly #chunks: CpuChunk[] = [];
  readonly #windowUs: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(bounds: { readonly windowMs: number; readonly maxBytes: number }) {
    this.#windowUs = bounds.windowMs * 1000;
    this.#maxBytes = bounds.maxBytes;
  }

  /** Estimated heap bytes of the chunks held. */
  get bytes(): number {
    return this.#bytes;
  }

  get length(): number {
    return this.#chunks.length;
  }

  /** Start (µs, monotonic) of the oldest chunk held; undefined when empty. */
  get oldestUs(): number | undefined {
    return this.#chunks[0]?.startUs;
  }

  push(chunk: CpuChunk, nowUs: number): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.bytes;
    this.trim(nowUs);
  }

  /** Drops what fell out of the window by `nowUs` and what exceeds the byte bound, oldest first. */
  trim(nowUs: number): void {
    while (this.#chunks.length > 0) {
      const oldest = this.#chunks[0]!;
      if (this.#bytes <= this.#maxBytes && oldest.endUs >= nowUs - this.#windowUs) break;
      this.#chunks.shift();
      this.#bytes -= oldest.bytes;
    }
  }

  /** The chunks that overlap `[fromUs, toUs)`, oldest first. */
  overlapping(fromUs: number, toUs: number): CpuChunk[] {
    return this.#chunks.filter((c) => c.endUs >= fromUs && c.startUs < toUs);
  }

  clear(): void {
    this.#chunks.length = 0;
    this.#bytes = 0;
  }
}
