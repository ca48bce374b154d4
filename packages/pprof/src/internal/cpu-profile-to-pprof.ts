import type { Profile } from 'pprof-format';
import { compactCpuProfile } from './cpu-chunk.ts';
import { CpuWindowBuilder } from './cpu-window.ts';
import type { V8CpuProfile } from './v8-types.ts';

export interface CpuConversionOptions {
  /** Sampling interval the profile was taken with; becomes pprof `period`. */
  readonly samplingIntervalMicros: number;
  /** Wall-clock start (epoch ms). V8's `startTime` is monotonic, not epoch based. */
  readonly startedAtMs: number;
  readonly sourceMaps: boolean;
}

/**
 * Converts a V8 `.cpuprofile` to a pprof profile with Go's CPU sample types (`samples/count`,
 * `cpu/nanoseconds`). Idle samples are dropped (Go's CPU profile counts on-CPU time only); `(program)`
 * and `(garbage collector)` are CPU time and stay. Self time is split per source line (see
 * {@link CpuWindowBuilder}).
 */
export function cpuProfileToPprof(v8: V8CpuProfile, options: CpuConversionOptions): Profile {
  const builder = new CpuWindowBuilder({
    periodNanos: options.samplingIntervalMicros * 1000,
    sourceMaps: options.sourceMaps,
  });
  builder.add(compactCpuProfile(v8));
  return builder.build({
    timeNanos: BigInt(Math.round(options.startedAtMs)) * 1_000_000n,
    durationNanos: BigInt(Math.max(0, Math.round((v8.endTime - v8.startTime) * 1000))),
  });
}
