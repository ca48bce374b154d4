import { describe, expect, it } from 'vitest';
import { cpuProfileToPprof } from '../src/internal/cpu-profile-to-pprof.ts';
import { heapProfileToPprof } from '../src/internal/heap-profile-to-pprof.ts';
import { readSamples, sampleTypeNames } from '../src/internal/profile-reader.ts';
import { subtractProfiles } from '../src/internal/delta.ts';
import type { V8CpuProfile, V8SamplingHeapProfile } from '../src/internal/v8-types.ts';

const frame = (functionName: string, lineNumber = 0, url = 'file:///app/main.js') => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

describe('unit: V8 CPU profile to pprof', () => {
  const v8: V8CpuProfile = {
    startTime: 1_000,
    endTime: 2_001_000,
    nodes: [
      { id: 1, callFrame: frame('(root)', -1, ''), children: [2, 4, 5] },
      { id: 2, callFrame: frame('main', 0), children: [3] },
      {
        id: 3,
        callFrame: frame('hot', 9),
        positionTicks: [
          { line: 12, ticks: 3 },
          { line: 14, ticks: 1 },
        ],
      },
      { id: 4, callFrame: frame('(idle)', -1, '') },
      { id: 5, callFrame: frame('(garbage collector)', -1, '') },
    ],
    samples: [3, 3, 3, 3, 4, 4, 4, 5],
  };
  const p = cpuProfileToPprof(v8, {
    samplingIntervalMicros: 10_000,
    startedAtMs: 1_700_000_000_000,
    sourceMaps: false,
  });

  it("uses Go's CPU sample types, period and epoch time", () => {
    expect(sampleTypeNames(p)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(Number(p.period)).toBe(10_000_000);
    expect(BigInt(p.timeNanos)).toBe(1_700_000_000_000_000_000n);
    expect(BigInt(p.durationNanos)).toBe(2_000_000_000n);
  });

  it('splits self time per hot line, keeps callers at their start line and drops idle', () => {
    const rows = readSamples(p).map(
      (s) => `${s.frames.map((f) => `${f.name}:${f.line}`).join('<')} ${s.values.join(',')}`,
    );
    expect(rows.sort()).toEqual([
      '(garbage collector):0 1,10000000',
      'hot:12<main:1 3,30000000',
      'hot:14<main:1 1,10000000',
    ]);
    expect(readSamples(p)[0]?.frames[0]?.file).toBe('/app/main.js');
  });
});

describe('unit: V8 sampling heap profile to pprof', () => {
  const v8: V8SamplingHeapProfile = {
    head: {
      callFrame: frame('(root)', -1, ''),
      selfSize: 0,
      id: 1,
      children: [{ callFrame: frame('alloc', 4), selfSize: 0, id: 2, children: [] }],
    },
    samples: [
      { size: 1024, nodeId: 2, ordinal: 1 },
      { size: 1024, nodeId: 2, ordinal: 2 },
    ],
  };

  it('unsamples like Go: each sample scaled by 1/(1-exp(-size/interval))', () => {
    const p = heapProfileToPprof(v8, { samplingIntervalBytes: 512 * 1024, sourceMaps: false, nowMs: 0 });
    expect(sampleTypeNames(p)).toEqual(['inuse_objects/count', 'inuse_space/bytes']);
    const scale = 1 / (1 - Math.exp(-1024 / (512 * 1024)));
    const [s] = readSamples(p);
    expect(s?.frames.map((f) => f.name)).toEqual(['alloc']);
    expect(s?.values).toEqual([Math.round(2 * scale), Math.round(2 * 1024 * scale)]);
  });

  it('computes a delta per stack, keeping freed memory as negative values', () => {
    const before = heapProfileToPprof(v8, { samplingIntervalBytes: 1024, sourceMaps: false, nowMs: 0 });
    const after = heapProfileToPprof(
      { ...v8, samples: [v8.samples[0]!] },
      { samplingIntervalBytes: 1024, sourceMaps: false, nowMs: 1 },
    );
    const d = subtractProfiles(after, before, 5n);
    const [s] = readSamples(d);
    expect(s?.values[0]).toBeLessThan(0);
    expect(BigInt(d.durationNanos)).toBe(5n);
  });
});
