import type { V8CpuProfile } from './v8-types.ts';

/**
 * A V8 CPU profile in a compact, time-indexed form: the call tree in typed arrays with one string table,
 * and the samples as node indices with their timestamps. This is what the flight recorder keeps in its
 * ring (a parsed `.cpuprofile` costs several times more: every node is an object and every URL a string
 * of its own), and what every conversion to pprof reads, so that a whole profile and a window cut from
 * the recorder's stream are converted by the same code.
 *
 * Timestamps are microseconds on V8's monotonic clock, which on Linux is the clock of
 * `process.hrtime.bigint()` (measured on Node 20 and 24: bench/RESULTS.md), so a window given in
 * hrtime microseconds selects exactly the samples taken during it.
 */
export interface CpuChunk {
  /** V8's `startTime`/`endTime` (µs, monotonic). */
  readonly startUs: number;
  readonly endUs: number;
  readonly strings: readonly string[];
  /** Per node: the parent's index, -1 for the root. */
  readonly parent: Int32Array;
  /** Per node: function name and URL as indices into `strings`; 0-based start line and column (-1: unknown). */
  readonly name: Int32Array;
  readonly url: Int32Array;
  readonly line0: Int32Array;
  readonly column0: Int32Array;
  /** V8's self ticks per 1-based source line: node i's entries are `tickOffset[i]` to `tickOffset[i + 1]`. */
  readonly tickOffset: Int32Array;
  readonly tickLine: Int32Array;
  readonly tickCount: Int32Array;
  /** Per node: its samples in the whole chunk (what `positionTicks` counts), idle ones included. */
  readonly hits: Int32Array;
  /** The samples in time order, `(idle)` ones dropped: node index and timestamp (µs, monotonic). */
  readonly sampleNode: Int32Array;
  readonly sampleUs: Float64Array;
  /** Estimated heap bytes this chunk holds: what the recorder's `maxBytes` bounds. */
  readonly bytes: number;
}

// V8 pseudo frames. `(idle)` is the event loop waiting: Go's CPU profile counts on-CPU time only, so
// idle samples are dropped here once. `(root)` is the tree's root.
export const ROOT = '(root)';
const IDLE = '(idle)';

// Heap cost estimates: a typed array's header, a one-byte string's header, a chunk's fixed part.
const ARRAY_OVERHEAD = 96;
const STRING_OVERHEAD = 24;
const CHUNK_OVERHEAD = 512;

/**
 * Compacts a V8 profile. Profiles without per-sample data (`samples`) fall back to `hitCount`, with every
 * sample placed at `startTime`: such a chunk can only be converted whole.
 */
export function compactCpuProfile(v8: V8CpuProfile): CpuChunk {
  const n = v8.nodes.length;
  const index = new Map<number, number>();
  v8.nodes.forEach((node, i) => index.set(node.id, i));
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const intern = (s: string): number => {
    let id = stringIds.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      stringIds.set(s, id);
    }
    return id;
  };
  const parent = new Int32Array(n).fill(-1);
  const name = new Int32Array(n);
  const url = new Int32Array(n);
  const line0 = new Int32Array(n);
  const column0 = new Int32Array(n);
  const tickOffset = new Int32Array(n + 1);
  let tickTotal = 0;
  for (const node of v8.nodes) tickTotal += node.positionTicks?.length ?? 0;
  const tickLine = new Int32Array(tickTotal);
  const tickCount = new Int32Array(tickTotal);
  let idle = -1;
  let t = 0;
  v8.nodes.forEach((node, i) => {
    const cf = node.callFrame;
    name[i] = intern(cf.functionName);
    url[i] = intern(cf.url);
    line0[i] = cf.lineNumber;
    column0[i] = cf.columnNumber;
    if (cf.functionName === IDLE) idle = i;
    for (const child of node.children ?? []) {
      const c = index.get(child);
      if (c !== undefined) parent[c] = i;
    }
    tickOffset[i] = t;
    for (const { line, ticks } of node.positionTicks ?? []) {
      tickLine[t] = line;
      tickCount[t] = ticks;
      t++;
    }
  });
  tickOffset[n] = t;

  const hits = new Int32Array(n);
  const ids: number[] = [];
  const times: number[] = [];
  if (v8.samples !== undefined && v8.samples.length > 0) {
    let at = v8.startTime;
    v8.samples.forEach((id, k) => {
      at += v8.timeDeltas?.[k] ?? 0;
      const i = index.get(id);
      if (i === undefined) return;
      hits[i]!++;
      if (i === idle) return;
      ids.push(i);
      times.push(at);
    });
  } else {
    v8.nodes.forEach((node, i) => {
      const count = node.hitCount ?? 0;
      hits[i] = count;
      if (i === idle) return;
      for (let k = 0; k < count; k++) {
        ids.push(i);
        times.push(v8.startTime);
      }
    });
  }
  const sampleNode = Int32Array.from(ids);
  const sampleUs = Float64Array.from(times);
  const arrays = [
    parent,
    name,
    url,
    line0,
    column0,
    tickOffset,
    tickLine,
    tickCount,
    hits,
    sampleNode,
    sampleUs,
  ];
  let bytes = CHUNK_OVERHEAD;
  for (const a of arrays) bytes += a.byteLength + ARRAY_OVERHEAD;
  for (const s of strings) bytes += s.length + STRING_OVERHEAD;
  return {
    startUs: v8.startTime,
    endUs: v8.endTime,
    strings,
    parent,
    name,
    url,
    line0,
    column0,
    tickOffset,
    tickLine,
    tickCount,
    hits,
    sampleNode,
    sampleUs,
    bytes,
  };
}

/** Index of the first sample at or after `us` (binary search: timestamps only grow). */
export function firstSampleAtOrAfter(chunk: CpuChunk, us: number): number {
  let lo = 0;
  let hi = chunk.sampleUs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunk.sampleUs[mid]! < us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
