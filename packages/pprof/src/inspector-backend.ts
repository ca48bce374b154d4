import type * as InspectorPromises from 'node:inspector/promises';
import type { Session } from 'node:inspector/promises';
import type { Profile } from 'pprof-format';
import type {
  CpuProfileRequest,
  HeapProfileRequest,
  HeapSamplingRequest,
  ProfilerBackend,
} from './backend.ts';
import { abortedError, isPprofError, PprofError, PprofErrorCode } from './errors.ts';
import { abortableSleep } from './internal/abortable-sleep.ts';
import { cpuProfileToPprof } from './internal/cpu-profile-to-pprof.ts';
import { heapProfileToPprof } from './internal/heap-profile-to-pprof.ts';
import type { V8CpuProfile, V8SamplingHeapProfile } from './internal/v8-types.ts';

/**
 * Profiles through V8's own profilers via an in-process `node:inspector` session (no native addon, nothing to
 * build). The session is independent of any attached debugger: DevTools or VS Code sessions keep working,
 * and V8 runs several CPU profiles side by side. (While a debugger holds the thread paused, nothing on it
 * runs, including this backend.)
 *
 * Heap semantics: V8's inspector starts the sampler with `kSamplingForceGC`, so every heap profile runs a
 * full GC first and reports only live objects (Go reports "as of the last GC"); `gc=1` is therefore implied.
 */
export class InspectorBackend implements ProfilerBackend {
  readonly name = 'inspector';
  #session: Session | undefined;
  #heapIntervalBytes: number | undefined;

  async #connect(): Promise<Session> {
    if (this.#session) return this.#session;
    let mod: typeof InspectorPromises;
    try {
      mod = await import('node:inspector/promises');
    } catch (err) {
      throw new PprofError(
        PprofErrorCode.BACKEND_UNAVAILABLE,
        'inspector backend unavailable: node:inspector cannot be loaded (Node built without inspector?); use backend "datadog"',
        { cause: err },
      );
    }
    const session = new mod.Session();
    try {
      session.connect();
    } catch (err) {
      throw new PprofError(
        PprofErrorCode.BACKEND_UNAVAILABLE,
        'inspector backend unavailable: cannot connect an inspector session',
        {
          cause: err,
        },
      );
    }
    this.#session = session;
    return session;
  }

  async #post<T>(method: string, params?: object): Promise<T> {
    const session = await this.#connect();
    try {
      // The typed overloads of Session.post do not accept a method name held in a variable.
      const post = session.post.bind(session) as (m: string, p?: object) => Promise<unknown>;
      return (await post(method, params)) as T;
    } catch (err) {
      throw new PprofError(
        PprofErrorCode.PROFILE_FAILED,
        `inspector ${method} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async collectCpuProfile(request: CpuProfileRequest): Promise<Profile> {
    if (request.signal?.aborted) throw abortedError(request.signal.reason);
    await this.#post('Profiler.enable');
    await this.#post('Profiler.setSamplingInterval', { interval: request.samplingIntervalMicros });
    await this.#post('Profiler.start');
    const startedAtMs = Date.now();
    let aborted: PprofError | undefined;
    try {
      await abortableSleep(request.durationMs, request.signal);
    } catch (err) {
      aborted = isPprofError(err, PprofErrorCode.ABORTED) ? err : abortedError(err);
    }
    // Always stop and disable: that is what frees V8's sample buffers. On abort the result is dropped.
    let v8: V8CpuProfile;
    try {
      ({ profile: v8 } = await this.#post<{ profile: V8CpuProfile }>('Profiler.stop'));
    } finally {
      await this.#post('Profiler.disable').catch(() => undefined);
    }
    if (aborted !== undefined) throw aborted;
    return cpuProfileToPprof(v8, {
      samplingIntervalMicros: request.samplingIntervalMicros,
      startedAtMs,
      sourceMaps: request.sourceMaps,
    });
  }

  async startHeapSampling(request: HeapSamplingRequest): Promise<void> {
    if (this.#heapIntervalBytes !== undefined) return;
    await this.#post('HeapProfiler.enable');
    await this.#post('HeapProfiler.startSampling', { samplingInterval: request.intervalBytes });
    this.#heapIntervalBytes = request.intervalBytes;
  }

  async collectHeapProfile(request: HeapProfileRequest): Promise<Profile> {
    if (this.#heapIntervalBytes === undefined) {
      await this.startHeapSampling({ intervalBytes: 512 * 1024, stackDepth: 64 });
    }
    if (request.gc) await this.#post('HeapProfiler.collectGarbage');
    let profile: V8SamplingHeapProfile;
    try {
      ({ profile } = await this.#post<{ profile: V8SamplingHeapProfile }>('HeapProfiler.getSamplingProfile'));
    } catch (err) {
      // V8 has one sampler per isolate: another inspector session (a DevTools "allocation sampling" run)
      // that stops it stops ours too. Restart it; this profile then only covers allocations from now on.
      if (!isPprofError(err, PprofErrorCode.PROFILE_FAILED) || !/not started/i.test(err.message)) throw err;
      const interval = this.#heapIntervalBytes ?? 512 * 1024;
      this.#heapIntervalBytes = undefined;
      await this.startHeapSampling({ intervalBytes: interval, stackDepth: 64 });
      ({ profile } = await this.#post<{ profile: V8SamplingHeapProfile }>('HeapProfiler.getSamplingProfile'));
    }
    return heapProfileToPprof(profile, {
      samplingIntervalBytes: this.#heapIntervalBytes ?? 512 * 1024,
      sourceMaps: request.sourceMaps,
      nowMs: Date.now(),
    });
  }

  async stopHeapSampling(): Promise<void> {
    if (this.#heapIntervalBytes === undefined) return;
    this.#heapIntervalBytes = undefined;
    await this.#post('HeapProfiler.stopSampling');
    await this.#post('HeapProfiler.disable');
  }

  async close(): Promise<void> {
    await this.stopHeapSampling().catch(() => undefined);
    this.#session?.disconnect();
    this.#session = undefined;
  }
}
