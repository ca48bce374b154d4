import { abortedError, isPprofError, PprofError, PprofErrorCode } from './errors.ts';
import { encodeProfile } from './encode.ts';
import { acquireCpuProfileLock } from './internal/cpu-lock.ts';
import { sourceMapsEnabledInProcess } from './internal/source-mapper.ts';
import {
  applyCollectCpuProfileOptions,
  applyCollectHeapProfileOptions,
  type CollectCpuProfileOptions,
  type CollectHeapProfileOptions,
} from './options.ts';
import { leaseBackend } from './select-backend.ts';

export function shouldMapSources(setting: 'auto' | boolean): boolean {
  return setting === 'auto' ? sourceMapsEnabledInProcess() : setting;
}

/**
 * Profiles this thread's CPU for `durationMs` and returns a gzipped pprof protobuf (what
 * `/debug/pprof/profile` serves). Rejects with a PprofError: `KDIAG_PPROF_CPU_PROFILE_IN_USE` when
 * another CPU profile is running, `KDIAG_PPROF_INVALID_OPTIONS` for invalid options.
 */
export async function collectCpuProfile(options: CollectCpuProfileOptions): Promise<Buffer> {
  const o = applyCollectCpuProfileOptions(options);
  const release = acquireCpuProfileLock();
  const lease = leaseBackend(o.backend, 'call');
  try {
    const backend = await lease.backend;
    const profile = await backend.collectCpuProfile({
      durationMs: o.durationMs,
      samplingIntervalMicros: o.samplingIntervalMicros,
      sourceMaps: shouldMapSources(o.sourceMaps),
      signal: o.signal,
    });
    return await encodeProfile(profile);
  } catch (err) {
    throw wrap(err, 'cpu profile');
  } finally {
    release();
    await lease.release();
  }
}

/**
 * Returns the sampled live heap as a gzipped pprof protobuf (what `/debug/pprof/heap` serves). The first
 * call starts the heap sampler and leaves it running, so later calls show what was allocated meanwhile.
 */
export async function collectHeapProfile(options?: CollectHeapProfileOptions): Promise<Buffer> {
  const o = applyCollectHeapProfileOptions(options);
  const lease = leaseBackend(o.backend, 'call');
  try {
    const backend = await lease.backend;
    await backend.startHeapSampling({ intervalBytes: o.samplingIntervalBytes, stackDepth: o.stackDepth });
    const profile = await backend.collectHeapProfile({
      gc: o.gc,
      sourceMaps: shouldMapSources(o.sourceMaps),
    });
    return await encodeProfile(profile);
  } catch (err) {
    throw wrap(err, 'heap profile');
  } finally {
    await lease.release();
  }
}

function wrap(err: unknown, what: string): PprofError {
  if (isPprofError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') return abortedError(err);
  return new PprofError(
    PprofErrorCode.PROFILE_FAILED,
    `${what} failed: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}
