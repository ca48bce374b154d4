import type { Profile } from 'pprof-format';
import { ProfileBuilder, type Frame } from './profile-builder.ts';
import { SourceMapper, unmappedFrame, type RawFrame } from './source-mapper.ts';
import type { V8CpuProfile, V8CpuProfileNode } from './v8-types.ts';

export interface CpuConversionOptions {
  /** Sampling interval the profile was taken with; becomes pprof `period`. */
  readonly samplingIntervalMicros: number;
  /** Wall-clock start (epoch ms). V8's `startTime` is monotonic, not epoch based. */
  readonly startedAtMs: number;
  readonly sourceMaps: boolean;
}

// V8 pseudo frames. `(root)` is the tree's root and `(idle)` is the event loop waiting: Go's CPU profile
// counts on-CPU time only, so idle samples are dropped. `(program)` (native code outside JS) and
// `(garbage collector)` are CPU time and stay.
const ROOT = '(root)';
const IDLE = '(idle)';

/**
 * Converts a V8 `.cpuprofile` to a pprof profile with Go's CPU sample types (`samples/count`,
 * `cpu/nanoseconds`). Self time is split per source line using V8's `positionTicks`, so the leaf frame carries
 * the hot line; callers carry their function's start line (V8 records no call sites).
 */
export function cpuProfileToPprof(v8: V8CpuProfile, options: CpuConversionOptions): Profile {
  const periodNanos = options.samplingIntervalMicros * 1000;
  const builder = new ProfileBuilder();
  const mapper = options.sourceMaps ? new SourceMapper() : undefined;
  const nodes = new Map<number, V8CpuProfileNode>();
  const parents = new Map<number, number>();
  for (const node of v8.nodes) {
    nodes.set(node.id, node);
    for (const child of node.children ?? []) parents.set(child, node.id);
  }

  const toFrame = (node: V8CpuProfileNode, line0: number): Frame => {
    const cf = node.callFrame;
    const raw: RawFrame = {
      name: cf.functionName,
      url: cf.url,
      startLine0: cf.lineNumber,
      startColumn0: cf.columnNumber,
      line0,
    };
    return mapper ? mapper.map(raw) : unmappedFrame(raw);
  };

  // Caller chain (leaf's parent first) per node, computed once and shared by all its samples.
  const callerIds = new Map<number, readonly number[]>();
  const callersOf = (id: number): readonly number[] => {
    const cached = callerIds.get(id);
    if (cached) return cached;
    const chain: number[] = [];
    for (let p = parents.get(id); p !== undefined; p = parents.get(p)) {
      const parent = nodes.get(p);
      if (!parent || parent.callFrame.functionName === ROOT) break;
      chain.push(builder.locationId(toFrame(parent, parent.callFrame.lineNumber)));
    }
    callerIds.set(id, chain);
    return chain;
  };

  const hits = countHits(v8);
  for (const node of v8.nodes) {
    const total = hits.get(node.id) ?? 0;
    const name = node.callFrame.functionName;
    if (total === 0 || name === ROOT || name === IDLE) continue;
    const callers = callersOf(node.id);
    let remaining = total;
    for (const { line, ticks } of node.positionTicks ?? []) {
      const n = Math.min(ticks, remaining);
      if (n <= 0) continue;
      remaining -= n;
      builder.addSample([builder.locationId(toFrame(node, line - 1)), ...callers], [n, n * periodNanos]);
    }
    if (remaining > 0) {
      const leaf = builder.locationId(toFrame(node, node.callFrame.lineNumber));
      builder.addSample([leaf, ...callers], [remaining, remaining * periodNanos]);
    }
  }

  return builder.build({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: periodNanos,
    timeNanos: BigInt(Math.round(options.startedAtMs)) * 1_000_000n,
    durationNanos: BigInt(Math.max(0, Math.round((v8.endTime - v8.startTime) * 1000))),
  });
}

// `samples` lists every tick; `hitCount` is the same information aggregated (and the only one in some
// older profiles), so prefer the per-tick list when present.
function countHits(v8: V8CpuProfile): Map<number, number> {
  const hits = new Map<number, number>();
  if (v8.samples && v8.samples.length > 0) {
    for (const id of v8.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of v8.nodes) if (node.hitCount) hits.set(node.id, node.hitCount);
  }
  return hits;
}
