import { relative, sep } from 'node:path';
import type { TopFrame } from '../internal/cpu-window.ts';
import type { StallScheduling } from './thread-scheduling.ts';

/** A function that held the CPU during a stall, with its share of the stall's samples. */
export type StallFrame = TopFrame;

/** What the stall detector keeps of one blocked event loop. */
export interface StallRecord {
  /** 1, 2, ... in the order the stalls happened in this handler; `stalls/<id>` serves its profile. */
  readonly id: number;
  /** When the loop last turned before the stall (epoch milliseconds). */
  readonly startedAt: number;
  /**
   * How long the loop did not turn, in milliseconds: from its last heartbeat before the stall to its
   * return, so at most one heartbeat (a quarter of the threshold, 100 ms at most) longer than the block.
   */
  readonly durationMs: number;
  /** CPU samples taken during the stall (0 with `flightRecorder.cpuSamples: false`). */
  readonly samples: number;
  /**
   * The functions that held the CPU, most samples first (at most 5): see `top` in the README. Empty
   * without CPU samples.
   */
  readonly top: readonly StallFrame[];
  /**
   * How the main thread spent the stall, from the kernel (Linux): on a CPU, waiting for one, and the
   * cgroup's CPU-limit throttling. Absent where the kernel does not tell.
   */
  readonly scheduling?: StallScheduling;
  /**
   * The stall's CPU profile, gzipped pprof: what `/debug/pprof/stalls/<id>` serves. Absent with
   * `flightRecorder.cpuSamples: false`.
   */
  readonly profile?: Buffer;
}

const RECORD_OVERHEAD = 512;

/** Estimated heap bytes of a record: what `stalls.maxBytes` bounds. */
export function stallRecordBytes(record: StallRecord): number {
  let bytes = RECORD_OVERHEAD + (record.profile?.length ?? 0);
  for (const f of record.top) bytes += 64 + f.name.length + f.file.length;
  return bytes;
}

/** `850ms`, `2.1s`, `75.0s`: Go's `time.Duration` style, rounded for a log line. */
export function formatStallDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * `parseList (src/cache.ts:88) 91%, (garbage collector) 6%`: the top frames of a log line, at most
 * `limit`, files relative to the working directory when inside it, frames under 1 % left out.
 */
export function formatStallTop(
  top: readonly StallFrame[],
  limit: number = 3,
  cwd: string = process.cwd(),
): string {
  return top
    .filter((f) => f.share >= 0.01)
    .slice(0, limit)
    .map(
      (f) =>
        `${f.name}${f.file === '' ? '' : ` (${shortFile(f.file, cwd)}:${f.line})`} ${Math.round(f.share * 100)}%`,
    )
    .join(', ');
}

function shortFile(file: string, cwd: string): string {
  if (!file.startsWith(cwd + sep)) return file;
  return relative(cwd, file);
}

/** The last `keep` stall records, bounded in bytes too: the oldest go first. */
export class StallStore {
  readonly #records: { readonly record: StallRecord; readonly bytes: number }[] = [];
  readonly #keep: number;
  readonly #maxBytes: number;
  #bytes = 0;
  #nextId = 1;

  constructor(bounds: { readonly keep: number; readonly maxBytes: number }) {
    this.#keep = bounds.keep;
    this.#maxBytes = bounds.maxBytes;
  }

  /** The id the next record gets. */
  nextId(): number {
    return this.#nextId++;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Oldest first. */
  get records(): readonly StallRecord[] {
    return this.#records.map((r) => r.record);
  }

  get(id: number): StallRecord | undefined {
    return this.#records.find((r) => r.record.id === id)?.record;
  }

  add(record: StallRecord): void {
    const bytes = stallRecordBytes(record);
    this.#records.push({ record, bytes });
    this.#bytes += bytes;
    while (this.#records.length > 0 && (this.#records.length > this.#keep || this.#bytes > this.#maxBytes))
      this.#bytes -= this.#records.shift()!.bytes;
  }

  clear(): void {
    this.#records.length = 0;
    this.#bytes = 0;
  }
}
