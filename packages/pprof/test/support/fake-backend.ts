import { Profile } from 'pprof-format';
import { PprofError, PprofErrorCode, type CpuProfileRequest, type ProfilerBackend } from '@kubediag/pprof';

/** A backend whose CPU profile runs until `finish()` or abort; records what the handler asked for. */
export class FakeBackend implements ProfilerBackend {
  readonly name = 'fake';
  readonly requests: CpuProfileRequest[] = [];
  aborts = 0;
  heapStarts = 0;
  heapStops = 0;
  #finish: (() => void) | undefined;

  collectCpuProfile(request: CpuProfileRequest): Promise<Profile> {
    this.requests.push(request);
    return new Promise((resolve, reject) => {
      this.#finish = () => resolve(new Profile());
      request.signal?.addEventListener('abort', () => {
        this.aborts++;
        reject(new PprofError(PprofErrorCode.ABORTED, 'client disconnected'));
      });
    });
  }

  finish(): void {
    this.#finish?.();
  }

  async startHeapSampling(): Promise<void> {
    this.heapStarts++;
  }

  async collectHeapProfile(): Promise<Profile> {
    return new Profile();
  }

  async stopHeapSampling(): Promise<void> {
    this.heapStops++;
  }

  async close(): Promise<void> {}
}
