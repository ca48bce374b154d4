import { describe, expect, it } from 'vitest';
import { ChunkRing } from '../src/flight-recorder/chunk-ring.ts';
import { Heartbeat } from '../src/flight-recorder/heartbeat.ts';
import {
  formatStallDuration,
  formatStallTop,
  StallStore,
  type StallRecord,
} from '../src/flight-recorder/stall-record.ts';
import { compactCpuProfile } from '../src/internal/cpu-chunk.ts';
import { CpuWindowBuilder } from '../src/internal/cpu-window.ts';
import { readSamples } from '../src/internal/profile-reader.ts';
import type { V8CpuProfile } from '../src/internal/v8-types.ts';

const frame = (functionName: string, lineNumber = 0, url = 'file:///app/cache.js') => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

/**
 * A chunk of 10 samples, one every 10 ms from `startUs`: idle, then `parseList` (whose leaf is the
 * native `JSON.parse`, with no URL) five times, then `hot` (lines 12 and 14) three times, then GC.
 */
function chunkAt(startUs: number): V8CpuProfile {
  return {
    startTime: startUs,
    endTime: startUs + 100_000,
    nodes: [
      { id: 1, callFrame: frame('(root)', -1, ''), children: [2, 4, 5, 6] },
      { id: 2, callFrame: frame('parseList', 80), children: [3] },
      { id: 3, callFrame: frame('parse', -1, '') },
      {
        id: 4,
        callFrame: frame('hot', 9),
        positionTicks: [
          { line: 12, ticks: 2 },
          { line: 14, ticks: 1 },
        ],
      },
      { id: 5, callFrame: frame('(idle)', -1, '') },
      { id: 6, callFrame: frame('(garbage collector)', -1, '') },
    ],
    samples: [5, 3, 3, 3, 3, 3, 4, 4, 4, 6],
    timeDeltas: Array.from({ length: 10 }, () => 10_000),
  };
}

const build = (b: CpuWindowBuilder) => b.build({ timeNanos: 0n, durationNanos: 0n });
const rows = (b: CpuWindowBuilder) =>
  readSamples(build(b))
    .map((s) => `${s.frames.map((f) => `${f.name}:${f.line}`).join('<')} ${s.values[0]}`)
    .sort();

describe('unit: flight recorder chunks and windows', () => {
  it('compacts a V8 profile: idle samples dropped, timestamps on the monotonic clock, bytes counted', () => {
    const chunk = compactCpuProfile(chunkAt(1_000_000));
    expect(chunk.sampleNode).toHaveLength(9);
    expect(chunk.sampleUs[0]).toBe(1_020_000); // the second sample: the first was idle
    expect(chunk.bytes).toBeGreaterThan(chunk.sampleUs.byteLength + chunk.sampleNode.byteLength);
    // strings are kept once: the file URL is shared by parseList and hot
    expect(chunk.strings.filter((s) => s === 'file:///app/cache.js')).toHaveLength(1);
  });

  it('cuts the samples of a window and shares a function out over its lines in the chunk proportions', () => {
    const chunk = compactCpuProfile(chunkAt(0));
    const whole = new CpuWindowBuilder({ periodNanos: 10_000_000, sourceMaps: false });
    whole.add(chunk);
    expect(rows(whole)).toEqual([
      '(garbage collector):0 1',
      'hot:12 2',
      'hot:14 1',
      'parse:0<parseList:81 5',
    ]);
    // [60 ms, 90 ms): the 6th to 8th samples (parse, hot, hot).
    const cut = new CpuWindowBuilder({ periodNanos: 10_000_000, sourceMaps: false });
    expect(cut.add(chunk, 60_000, 90_000)).toBe(3);
    expect(rows(cut)).toEqual(['hot:12 1', 'hot:14 1', 'parse:0<parseList:81 1']);
    expect(Number(build(cut).period)).toBe(10_000_000);
  });

  it("charges a native leaf to its caller with a file in the top frames, with each function's share", () => {
    const b = new CpuWindowBuilder({ periodNanos: 10_000_000, sourceMaps: false });
    b.add(compactCpuProfile(chunkAt(0)));
    expect(b.topFrames(5)).toEqual([
      { name: 'parseList', file: '/app/cache.js', line: 81, samples: 5, share: 5 / 9 },
      { name: 'hot', file: '/app/cache.js', line: 12, samples: 3, share: 3 / 9 },
      { name: '(garbage collector)', file: '', line: 0, samples: 1, share: 1 / 9 },
    ]);
  });

  it('adds chunks of one window into one profile', () => {
    const b = new CpuWindowBuilder({ periodNanos: 10_000_000, sourceMaps: false });
    // From 50 ms: parse, parse, hot x3, GC; then until 140 ms of the next chunk: parse, parse.
    b.add(compactCpuProfile(chunkAt(0)), 50_000);
    b.add(compactCpuProfile(chunkAt(100_000)), 0, 140_000);
    expect(b.sampleCount).toBe(8);
    expect(b.topFrames(1)[0]).toMatchObject({ name: 'parseList', samples: 4 });
  });
});

describe('unit: flight recorder ring', () => {
  it('never holds more than maxBytes: the oldest chunks go first, and a chunk larger than the bound is not kept', () => {
    const one = compactCpuProfile(chunkAt(0)).bytes;
    const ring = new ChunkRing({ windowMs: 3_600_000, maxBytes: Math.floor(2.5 * one) });
    const starts: number[] = [];
    for (let i = 0; i < 6; i++) {
      ring.push(compactCpuProfile(chunkAt(i * 100_000)), i * 100_000 + 100_000);
      starts.push(ring.oldestUs!);
      expect(ring.bytes).toBeLessThanOrEqual(Math.floor(2.5 * one));
    }
    expect(ring.length).toBe(2);
    expect(starts).toEqual([0, 0, 100_000, 200_000, 300_000, 400_000]);
    const tiny = new ChunkRing({ windowMs: 3_600_000, maxBytes: one - 1 });
    tiny.push(compactCpuProfile(chunkAt(0)), 100_000);
    expect([tiny.length, tiny.bytes]).toEqual([0, 0]);
  });

  it('drops chunks that ended before the window and finds the chunks overlapping a span', () => {
    const ring = new ChunkRing({ windowMs: 1_000, maxBytes: 2 ** 30 });
    for (let i = 0; i < 30; i++) ring.push(compactCpuProfile(chunkAt(i * 100_000)), (i + 1) * 100_000);
    // At 3.0 s a 1 s window keeps the chunks that ended at 2.0 s or later: [1.9 s, 2.0 s) to [2.9 s, 3.0 s).
    expect(ring.length).toBe(11);
    expect(ring.oldestUs).toBe(1_900_000);
    expect(ring.overlapping(2_450_000, 2_650_000).map((c) => c.startUs)).toEqual([
      2_400_000, 2_500_000, 2_600_000,
    ]);
  });
});

const record = (id: number, profileBytes: number): StallRecord => ({
  id,
  startedAt: 0,
  durationMs: 600,
  samples: 30,
  top: [],
  profile: Buffer.alloc(profileBytes),
});

describe('unit: stall records', () => {
  it('keeps the last K records and no more bytes than the bound, oldest out first', () => {
    const store = new StallStore({ keep: 3, maxBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) store.add(record(store.nextId(), 100));
    expect(store.records.map((r) => r.id)).toEqual([3, 4, 5]);
    expect(store.get(2)).toBeUndefined();
    const small = new StallStore({ keep: 100, maxBytes: 3100 });
    for (let i = 0; i < 5; i++) small.add(record(small.nextId(), 1000));
    expect(small.bytes).toBeLessThanOrEqual(3100);
    expect(small.records.map((r) => r.id)).toEqual([4, 5]);
  });

  it('formats the log line values as in the issue: duration="2.1s" top="parseList (src/cache.ts:88) 91%"', () => {
    expect(formatStallDuration(2_087)).toBe('2.1s');
    expect(formatStallDuration(640.4)).toBe('640ms');
    const top = [
      { name: 'parseList', file: '/srv/op/src/cache.ts', line: 88, samples: 91, share: 0.91 },
      { name: '(garbage collector)', file: '', line: 0, samples: 8, share: 0.08 },
      { name: 'tiny', file: '/srv/op/src/x.ts', line: 1, samples: 1, share: 0.005 },
    ];
    expect(formatStallTop(top, 3, '/srv/op')).toBe('parseList (src/cache.ts:88) 91%, (garbage collector) 8%');
    expect(formatStallTop(top, 1, '/elsewhere')).toBe('parseList (/srv/op/src/cache.ts:88) 91%');
  });
});

describe('unit: heartbeat', () => {
  const spin = (ms: number): void => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  const nextBeat = (beats: [bigint, bigint, bigint][], n: number) =>
    new Promise<void>((resolve) => {
      const wait = (): void => {
        if (beats.length > n) resolve();
        else setTimeout(wait, 5);
      };
      wait();
    });

  it("measures a blocked loop from the end of the previous beat, excuses the owner's own work, and publishes beats in a SharedArrayBuffer", async () => {
    const beats: [bigint, bigint, bigint][] = [];
    const heartbeat = new Heartbeat(10, (now, previous, excused) => beats.push([now, previous, excused]));
    heartbeat.start();
    try {
      await nextBeat(beats, 0);
      spin(150); // a block: the next beat's gap holds it
      await nextBeat(beats, 1);
      const [now, previous, excused] = beats[1]!;
      expect(now - previous).toBeGreaterThanOrEqual(150_000_000n);
      expect(excused).toBe(0n);

      const n = beats.length;
      const ownWorkFrom = process.hrtime.bigint();
      spin(150); // the owner's own work, excused
      heartbeat.excuse(ownWorkFrom);
      await nextBeat(beats, n);
      const [, , ownWork] = beats[n]!;
      expect(ownWork).toBeGreaterThanOrEqual(150_000_000n);

      const shared = new BigInt64Array(heartbeat.buffer);
      expect(Atomics.load(shared, 1)).toBe(BigInt(beats.length));
      expect(Atomics.load(shared, 0)).toBeGreaterThanOrEqual(beats.at(-1)![0]);
    } finally {
      heartbeat.stop();
    }
  });
});
