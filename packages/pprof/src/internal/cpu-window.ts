import type { Profile } from 'pprof-format';
import { firstSampleAtOrAfter, ROOT, type CpuChunk } from './cpu-chunk.ts';
import { ProfileBuilder, type Frame } from './profile-builder.ts';
import { SourceMapper, unmappedFrame } from './source-mapper.ts';

/** A function that held the CPU in a window, with its share of the window's samples. */
export interface TopFrame {
  readonly name: string;
  readonly file: string;
  /** The line it spent most samples on when it was the running frame, else its start line. */
  readonly line: number;
  readonly samples: number;
  /** `samples` / all samples of the window, from 0 to 1. */
  readonly share: number;
}

interface Tally {
  readonly frame: Frame;
  samples: number;
  readonly lines: Map<number, number>;
}

/**
 * Builds one pprof CPU profile (Go's sample types, `samples/count` + `cpu/nanoseconds`) from the samples of
 * one or more chunks that fall in a time window, and tallies the window's top functions on the way.
 * Self time is split per source line with V8's `positionTicks`, so the running frame carries its hot
 * line; callers carry their function's start line (V8 records no call sites). `positionTicks` count a
 * whole chunk, so when a window takes part of a chunk, a function's samples in it are shared out over
 * its lines in the chunk's proportions (exact when the window covers the chunk).
 */
export class CpuWindowBuilder {
  readonly #builder = new ProfileBuilder();
  readonly #mapper: SourceMapper | undefined;
  readonly #periodNanos: number;
  readonly #tallies = new Map<string, Tally>();
  #samples = 0;

  constructor(options: { readonly periodNanos: number; readonly sourceMaps: boolean }) {
    this.#periodNanos = options.periodNanos;
    this.#mapper = options.sourceMaps ? new SourceMapper() : undefined;
  }

  /** Samples added so far. */
  get sampleCount(): number {
    return this.#samples;
  }

  /** Adds the chunk's samples with timestamps in `[fromUs, toUs)`; `fromUs`/`toUs` default to the whole chunk. */
  add(chunk: CpuChunk, fromUs: number = -Infinity, toUs: number = Infinity): number {
    const from = fromUs === -Infinity ? 0 : firstSampleAtOrAfter(chunk, fromUs);
    const to = toUs === Infinity ? chunk.sampleNode.length : firstSampleAtOrAfter(chunk, toUs);
    if (to <= from) return 0;
    const hits = new Map<number, number>();
    for (let k = from; k < to; k++) {
      const i = chunk.sampleNode[k]!;
      hits.set(i, (hits.get(i) ?? 0) + 1);
    }
    const callers = new Map<number, readonly number[]>();
    let added = 0;
    for (const [i, n] of hits) {
      if (chunk.strings[chunk.name[i]!] === ROOT) continue;
      const chain = this.#callers(chunk, i, callers);
      const attributed = attributedNode(chunk, i);
      for (const [line0, count] of lineShares(chunk, i, n)) {
        const frame = this.#frame(chunk, i, line0);
        this.#builder.addSample(
          [this.#builder.locationId(frame), ...chain],
          [count, count * this.#periodNanos],
        );
        this.#tally(
          attributed === i ? frame : this.#frame(chunk, attributed, chunk.line0[attributed]!),
          count,
        );
        added += count;
      }
    }
    this.#samples += added;
    return added;
  }

  /** The functions with the most samples, most first. */
  topFrames(limit: number): TopFrame[] {
    const total = this.#samples;
    return [...this.#tallies.values()]
      .sort((a, b) => b.samples - a.samples)
      .slice(0, limit)
      .map((t) => {
        let line = t.frame.startLine;
        let most = 0;
        for (const [l, n] of t.lines)
          if (n > most) {
            most = n;
            line = l;
          }
        return {
          name: t.frame.name,
          file: t.frame.file,
          line,
          samples: t.samples,
          share: total === 0 ? 0 : t.samples / total,
        };
      });
  }

  build(meta: {
    readonly timeNanos: bigint;
    readonly durationNanos: bigint;
    readonly comments?: readonly string[];
  }): Profile {
    return this.#builder.build({
      sampleTypes: [
        { type: 'samples', unit: 'count' },
        { type: 'cpu', unit: 'nanoseconds' },
      ],
      periodType: { type: 'cpu', unit: 'nanoseconds' },
      period: this.#periodNanos,
      ...meta,
    });
  }

  #frame(chunk: CpuChunk, i: number, line0: number): Frame {
    const raw = {
      name: chunk.strings[chunk.name[i]!]!,
      url: chunk.strings[chunk.url[i]!]!,
      startLine0: chunk.line0[i]!,
      startColumn0: chunk.column0[i]!,
      line0,
    };
    return this.#mapper ? this.#mapper.map(raw) : unmappedFrame(raw);
  }

  // Caller chain (the leaf's parent first) per node, computed once per chunk and shared by its samples.
  #callers(chunk: CpuChunk, i: number, cache: Map<number, readonly number[]>): readonly number[] {
    const cached = cache.get(i);
    if (cached) return cached;
    const chain: number[] = [];
    for (let p = chunk.parent[i]!; p >= 0; p = chunk.parent[p]!) {
      if (chunk.strings[chunk.name[p]!] === ROOT) break;
      chain.push(this.#builder.locationId(this.#frame(chunk, p, chunk.line0[p]!)));
    }
    cache.set(i, chain);
    return chain;
  }

  #tally(frame: Frame, count: number): void {
    const key = `${frame.name}\0${frame.file}\0${frame.startLine}`;
    let t = this.#tallies.get(key);
    if (t === undefined) {
      t = { frame, samples: 0, lines: new Map() };
      this.#tallies.set(key, t);
    }
    t.samples += count;
    t.lines.set(frame.line, (t.lines.get(frame.line) ?? 0) + count);
  }
}

/**
 * The frame a sample is charged to in the top list: the innermost one with a source file. A native
 * builtin (`JSON.parse` has no URL) or a Node internal (`node:...`) is charged to the application code
 * that called it, which is what an operator can change. Pseudo frames (`(garbage collector)`,
 * `(program)`) stay themselves.
 */
function attributedNode(chunk: CpuChunk, leaf: number): number {
  if (chunk.strings[chunk.name[leaf]!]!.startsWith('(')) return leaf;
  for (let p = leaf; p >= 0; p = chunk.parent[p]!) {
    const url = chunk.strings[chunk.url[p]!]!;
    if (url !== '' && !url.startsWith('node:')) return p;
  }
  return leaf;
}

/**
 * Shares `n` samples of node `i` out over its lines (0-based), in the proportions of the chunk's
 * `positionTicks`; ticks without a line go to the function's start line. Largest remainder, so the
 * shares add up to `n` and equal the ticks when `n` is all of the node's hits.
 */
function lineShares(chunk: CpuChunk, i: number, n: number): [number, number][] {
  const weights: [number, number][] = [];
  let ticked = 0;
  for (let t = chunk.tickOffset[i]!; t < chunk.tickOffset[i + 1]!; t++) {
    const ticks = chunk.tickCount[t]!;
    if (ticks <= 0) continue;
    weights.push([chunk.tickLine[t]! - 1, ticks]);
    ticked += ticks;
  }
  const rest = chunk.hits[i]! - ticked;
  if (rest > 0 || weights.length === 0) weights.push([chunk.line0[i]!, Math.max(rest, 1)]);
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const shares = weights.map(([line, w]) => {
    const exact = (n * w) / total;
    return { line, count: Math.floor(exact), fraction: exact - Math.floor(exact) };
  });
  let left = n - shares.reduce((s, x) => s + x.count, 0);
  for (const s of [...shares].sort((a, b) => b.fraction - a.fraction)) {
    if (left <= 0) break;
    s.count++;
    left--;
  }
  return shares.filter((s) => s.count > 0).map((s) => [s.line, s.count]);
}
