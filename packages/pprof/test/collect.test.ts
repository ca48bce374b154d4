import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Profile } from 'pprof-format';
import { collectCpuProfile, collectHeapProfile, PprofErrorCode } from '@kubediag/pprof';

function busy(ms: number): void {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
}

describe('unit: programmatic collection', () => {
  it("returns a gzipped pprof CPU profile with Go's sample types", async () => {
    const pending = collectCpuProfile({ durationMs: 300, samplingIntervalMicros: 1000 });
    busy(100);
    const p = Profile.decode(gunzipSync(await pending));
    const strings = p.stringTable.strings;
    expect(p.sampleType.map((t) => `${strings[Number(t.type)]}/${strings[Number(t.unit)]}`)).toEqual([
      'samples/count',
      'cpu/nanoseconds',
    ]);
    expect(Number(p.period)).toBe(1_000_000);
    expect(p.sample.length).toBeGreaterThan(0);
  });

  it('shares the process-wide CPU lock and aborts on the signal', async () => {
    const controller = new AbortController();
    const first = collectCpuProfile({ durationMs: 60_000, signal: controller.signal });
    await expect(collectCpuProfile({ durationMs: 100 })).rejects.toMatchObject({
      code: PprofErrorCode.CPU_PROFILE_IN_USE,
      message: 'cpu profiling already in use',
    });
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: PprofErrorCode.ABORTED });
    await expect(collectCpuProfile({ durationMs: 50 })).resolves.toBeInstanceOf(Buffer);
  });

  it('rejects a bad duration with KDIAG_PPROF_INVALID_OPTIONS', async () => {
    await expect(collectCpuProfile({ durationMs: 0 })).rejects.toMatchObject({
      code: PprofErrorCode.INVALID_OPTIONS,
      problems: [
        { path: 'durationMs', message: 'expected a duration in milliseconds from 1 to 86400000, got 0' },
      ],
    });
  });

  it('returns the live heap, showing an allocating function', async () => {
    await collectHeapProfile(); // starts the sampler
    const keep: number[][] = [];
    (function allocateForHeapTest() {
      for (let i = 0; i < 64; i++) keep.push(new Array<number>(16_384).fill(i));
    })();
    const p = Profile.decode(gunzipSync(await collectHeapProfile({ gc: true })));
    expect(p.stringTable.strings).toContain('allocateForHeapTest');
    expect(keep).toHaveLength(64);
  });
});
