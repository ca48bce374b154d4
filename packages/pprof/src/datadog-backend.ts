import type { Profile } from 'pprof-format';
import type {
  CpuProfileRequest,
  HeapProfileRequest,
  HeapSamplingRequest,
  ProfilerBackend,
} from './backend.ts';
import { abortedError, isPprofError, PprofError, PprofErrorCode } from './errors.ts';
import { abortableSleep } from './internal/abortable-sleep.ts';
import { mapProfileSources } from './internal/map-profile-sources.ts';
import { renameSampleTypes } from './internal/rename-sample-types.ts';

// The subset of @datadog/pprof's API used here, typed structurally: it is an optional peer, so this file
// must typecheck and load without it.
interface DatadogPprof {
  time: {
    start(options: { intervalMicros?: number; lineNumbers?: boolean }): void;
    stop(restart?: boolean): Profile;
    isStarted(): boolean;
  };
  heap: {
    start(intervalBytes: number, stackDepth: number): void;
    stop(): void;
    profile(): Profile;
  };
}

/** Loads `@datadog/pprof` if the host application has it installed; `undefined` otherwise. */
export async function loadDatadogPprof(): Promise<DatadogPprof | undefined> {
  try {
    const name = '@datadog/pprof'; // a variable keeps bundlers and tsc from requiring the optional peer
    const mod = (await import(name)) as DatadogPprof & { default?: DatadogPprof };
    return mod.default?.time ? mod.default : mod;
  } catch {
    return undefined;
  }
}

/**
 * Profiles with `@datadog/pprof` (prebuilt native addon, optional peer). Differences from the inspector
 * backend: CPU profiles measure wall time (`samples/count`, `wall/nanoseconds`, idle time included) at line
 * level, and heap profiles do not force a GC, so they include garbage not yet collected unless `gc=1`.
 */
export class DatadogBackend implements ProfilerBackend {
  readonly name = 'datadog';
  readonly #dd: DatadogPprof;
  #heapStarted = false;

  constructor(dd: DatadogPprof) {
    this.#dd = dd;
  }

  /** Creates the backend, or throws `KDIAG_PPROF_BACKEND_UNAVAILABLE` when `@datadog/pprof` is not installed. */
  static async create(): Promise<DatadogBackend> {
    const dd = await loadDatadogPprof();
    if (!dd) {
      throw new PprofError(
        PprofErrorCode.BACKEND_UNAVAILABLE,
        'datadog backend unavailable: cannot import @datadog/pprof; install it next to the application or use backend "inspector"',
      );
    }
    return new DatadogBackend(dd);
  }

  async collectCpuProfile(request: CpuProfileRequest): Promise<Profile> {
    if (request.signal?.aborted) throw abortedError(request.signal.reason);
    try {
      this.#dd.time.start({ intervalMicros: request.samplingIntervalMicros, lineNumbers: true });
    } catch (err) {
      throw new PprofError(
        PprofErrorCode.PROFILE_FAILED,
        `datadog time profiler failed to start: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    let aborted: PprofError | undefined;
    try {
      await abortableSleep(request.durationMs, request.signal);
    } catch (err) {
      aborted = isPprofError(err, PprofErrorCode.ABORTED) ? err : abortedError(err);
    }
    const profile = this.#dd.time.stop(false);
    if (aborted !== undefined) throw aborted;
    renameSampleTypes(profile, { sample: 'samples' });
    if (request.sourceMaps) mapProfileSources(profile);
    return profile;
  }

  startHeapSampling(request: HeapSamplingRequest): Promise<void> {
    if (this.#heapStarted) return Promise.resolve();
    try {
      this.#dd.heap.start(request.intervalBytes, request.stackDepth);
    } catch (err) {
      return Promise.reject(
        new PprofError(
          PprofErrorCode.PROFILE_FAILED,
          `datadog heap profiler failed to start: ${(err as Error).message}`,
          {
            cause: err,
          },
        ),
      );
    }
    this.#heapStarted = true;
    return Promise.resolve();
  }

  async collectHeapProfile(request: HeapProfileRequest): Promise<Profile> {
    if (!this.#heapStarted) await this.startHeapSampling({ intervalBytes: 512 * 1024, stackDepth: 64 });
    if (request.gc) await forceGc();
    const profile = this.#dd.heap.profile();
    if (request.sourceMaps) mapProfileSources(profile);
    return profile;
  }

  stopHeapSampling(): Promise<void> {
    if (this.#heapStarted) {
      this.#heapStarted = false;
      this.#dd.heap.stop();
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.stopHeapSampling();
  }
}

// A full GC without --expose-gc: the inspector protocol's HeapProfiler.collectGarbage.
async function forceGc(): Promise<void> {
  try {
    const { Session } = await import('node:inspector/promises');
    const session = new Session();
    session.connect();
    try {
      await session.post('HeapProfiler.collectGarbage');
    } finally {
      session.disconnect();
    }
  } catch {
    // No inspector in this build: the profile simply includes uncollected garbage.
  }
}
