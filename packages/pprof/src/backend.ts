import type { Profile } from 'pprof-format';

/** What a backend needs to take one CPU profile. */
export interface CpuProfileRequest {
  /** How long to sample, in milliseconds. */
  readonly durationMs: number;
  /** Average time between samples, in microseconds (V8 `setSamplingInterval`). */
  readonly samplingIntervalMicros: number;
  /** Map frames through source maps (only has an effect when the process has source maps enabled). */
  readonly sourceMaps: boolean;
  /** Aborting stops the profiler at once, drops the samples and rejects with `KDIAG_PPROF_ABORTED`. */
  readonly signal?: AbortSignal | undefined;
}

/** What a backend needs to start the sampling heap profiler. */
export interface HeapSamplingRequest {
  /** Average bytes allocated between two samples (Go: `runtime.MemProfileRate`, 512 KiB). */
  readonly intervalBytes: number;
  /** Deepest stack recorded per sample (the @datadog/pprof backend honours it; V8's inspector uses its own). */
  readonly stackDepth: number;
}

/** What a backend needs to read the heap profile. */
export interface HeapProfileRequest {
  /** Run a full garbage collection first (`?gc=1`). */
  readonly gc: boolean;
  readonly sourceMaps: boolean;
}

/**
 * The seam between the HTTP handlers and a profiler implementation. Backends return pprof-format `Profile`
 * objects with Go's sample type names; encoding (gzip) is shared. A backend profiles the thread it was
 * created on. Callers serialise CPU profiles (the handler holds a process-wide lock), so a backend never sees
 * two `collectCpuProfile` calls at once.
 */
export interface ProfilerBackend {
  /** `inspector`, `datadog`, or a custom name; shown on the index page and in logs. */
  readonly name: string;
  collectCpuProfile(request: CpuProfileRequest): Promise<Profile>;
  /** Idempotent: starting a running sampler with the same interval is a no-op. */
  startHeapSampling(request: HeapSamplingRequest): Promise<void>;
  /** Live objects sampled since `startHeapSampling`; starts the sampler first if it is not running. */
  collectHeapProfile(request: HeapProfileRequest): Promise<Profile>;
  stopHeapSampling(): Promise<void>;
  /** Stops everything this backend started and releases its resources. */
  close(): Promise<void>;
}
