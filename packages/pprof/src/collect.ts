import { InvalidPprofOptionsError, ProfileAbortedError, ProfileFailedError, PprofError } from './errors.ts';
import { encodeProfile } from './encode.ts';
import { acquireCpuProfileLock } from './internal/cpu-lock.ts';
import { sourceMapsEnabledInProcess } from './internal/source-mapper.ts';
import { applyPprofOptions, type BackendChoice } from './options.ts';
import { selectBackend } from './select-backend.ts';

/** Options of {@link collectCpuProfile}. */
export interface CollectCpuProfileOptions {
  /** Profile length in milliseconds (1 ms to 24 h). */
  readonly durationMs: number;
  /** Aborting stops the profiler, frees its samples and rejects with `ProfileAbortedError`. */
  readonly signal?: AbortSignal;
  /** @default 10000 (Go's 100 Hz) */
  readonly samplingIntervalMicros?: number;
  /** @default 'inspector' */
  readonly backend?: BackendChoice;
  /** @default 'auto' (map when the process has source maps enabled) */
  readonly sourceMaps?: 'auto' | boolean;
}

/** Options of {@link collectHeapProfile}. */
export interface CollectHeapProfileOptions {
  /** Run a full GC first. @default false */
  readonly gc?: boolean;
  /** Sampler interval used if this call starts the sampler. @default 524288 */
  readonly samplingIntervalBytes?: number;
  /** @default 'inspector' */
  readonly backend?: BackendChoice;
  /** @default 'auto' */
  readonly sourceMaps?: 'auto' | boolean;
}

export function shouldMapSources(setting: 'auto' | boolean): boolean {
  return setting === 'auto' ? sourceMapsEnabledInProcess() : setting;
}

/**
 * Profiles this thread's CPU for `durationMs` and returns a gzipped pprof protobuf (what
 * `/debug/pprof/profile` serves). Throws `CpuProfileInUseError` when another CPU profile is running.
 */
export async function collectCpuProfile(options: CollectCpuProfileOptions): Promise<Buffer> {
  const o = applyPprofOptions({
    ...(options.backend !== undefined && { backend: options.backend }),
    ...(options.sourceMaps !== undefined && { sourceMaps: options.sourceMaps }),
    cpu: {
      ...(options.samplingIntervalMicros !== undefined && {
        samplingIntervalMicros: options.samplingIntervalMicros,
      }),
    },
  });
  const duration = options.durationMs;
  if (!Number.isFinite(duration) || duration <= 0 || duration > 24 * 3600 * 1000) {
    throw new InvalidPprofOptionsError([
      { path: 'durationMs', message: `expected milliseconds from 1 to 86400000, got ${String(duration)}` },
    ]);
  }
  const release = acquireCpuProfileLock();
  try {
    const backend = await selectBackend(o.backend);
    const profile = await backend.collectCpuProfile({
      durationMs: duration,
      samplingIntervalMicros: o.cpu.samplingIntervalMicros,
      sourceMaps: shouldMapSources(o.sourceMaps),
      signal: options.signal,
    });
    return await encodeProfile(profile);
  } catch (err) {
    throw wrap(err, 'cpu profile');
  } finally {
    release();
  }
}

/** Returns the sampled live heap as a gzipped pprof protobuf (what `/debug/pprof/heap` serves). */
export async function collectHeapProfile(options: CollectHeapProfileOptions = {}): Promise<Buffer> {
  const o = applyPprofOptions({
    ...(options.backend !== undefined && { backend: options.backend }),
    ...(options.sourceMaps !== undefined && { sourceMaps: options.sourceMaps }),
    heap: {
      ...(options.samplingIntervalBytes !== undefined && {
        samplingIntervalBytes: options.samplingIntervalBytes,
      }),
    },
  });
  try {
    const backend = await selectBackend(o.backend);
    await backend.startHeapSampling({
      intervalBytes: o.heap.samplingIntervalBytes,
      stackDepth: o.heap.stackDepth,
    });
    const profile = await backend.collectHeapProfile({
      gc: options.gc ?? false,
      sourceMaps: shouldMapSources(o.sourceMaps),
    });
    return await encodeProfile(profile);
  } catch (err) {
    throw wrap(err, 'heap profile');
  }
}

function wrap(err: unknown, what: string): PprofError {
  if (err instanceof PprofError) return err;
  if (err instanceof Error && err.name === 'AbortError')
    return new ProfileAbortedError(undefined, { cause: err });
  return new ProfileFailedError(`${what} failed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
