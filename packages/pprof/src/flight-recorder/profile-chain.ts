import type * as Inspector from 'node:inspector';
import { PprofError, PprofErrorCode } from '../errors.ts';
import type { V8CpuProfile } from '../internal/v8-types.ts';

/**
 * V8's CPU profiler kept running as a chain of overlapping titled profiles ("console profiles") on one
 * private inspector session: each rotation starts the next profile, then stops the previous one. A
 * session keeps its V8 `CpuProfiler` (and its sampling thread) for as long as one of its profiles runs,
 * so a rotation neither re-logs every compiled function nor leaves a gap. Measured (bench/RESULTS.md, "V8 profiler facts"):
 * a rotation's start costs about 0.1 ms of main thread where `Profiler.stop` + `Profiler.start` cost
 * 30 ms to over 1 s (the new profiler logs the whole code space) and lose the samples in between.
 *
 * Everything here is synchronous: the in-process `node:inspector` Session answers `post` and delivers
 * `Profiler.consoleProfileFinished` before the call returns, so a rotation can run inside the stall
 * detector's timer callback.
 *
 * Caveat, documented for users: V8 starts and stops a titled console profile in every inspector session
 * whose Profiler domain is enabled, so a debugger attached with its profiler panel open receives the
 * chain's profiles too; and a `console.profile()` of the application is mirrored in this session (its
 * profile is dropped here when it ends).
 */
export class ProfileChain {
  readonly #session: Inspector.Session;
  readonly #console: typeof Inspector.console;
  readonly #prefix = `kubediag-flight-recorder-${process.pid}-`;
  #seq = 0;
  #running = false;
  #finished: V8CpuProfile | undefined;

  private constructor(inspector: typeof Inspector) {
    this.#session = new inspector.Session();
    this.#console = inspector.console;
  }

  /** Starts the first profile of the chain, sampling every `intervalMicros`. */
  static async start(intervalMicros: number): Promise<ProfileChain> {
    let inspector: typeof Inspector;
    try {
      inspector = await import('node:inspector');
    } catch (err) {
      throw new PprofError(
        PprofErrorCode.BACKEND_UNAVAILABLE,
        'flight recorder unavailable: node:inspector cannot be loaded (Node built without inspector?)',
        { cause: err },
      );
    }
    const chain = new ProfileChain(inspector);
    chain.#open(intervalMicros);
    return chain;
  }

  /** Whether a profile of the chain is running. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts the next profile, stops the current one and returns it (undefined once stopped). */
  rotate(): V8CpuProfile | undefined {
    if (!this.#running) return undefined;
    const current = this.#title();
    this.#seq++;
    this.#console.profile(this.#title());
    return this.#end(current);
  }

  /** Stops the chain and returns its last profile; closes the session. Idempotent. */
  stop(): V8CpuProfile | undefined {
    if (!this.#running) return undefined;
    this.#running = false;
    try {
      return this.#end(this.#title());
    } finally {
      this.#post('Profiler.disable');
      this.#session.disconnect();
    }
  }

  #open(intervalMicros: number): void {
    try {
      this.#session.connect();
      this.#session.on('Profiler.consoleProfileFinished', (message) => {
        const { title, profile } = message.params;
        if (title?.startsWith(this.#prefix) === true) this.#finished = profile as V8CpuProfile;
      });
      this.#post('Profiler.enable');
      this.#post('Profiler.setSamplingInterval', { interval: intervalMicros });
    } catch (err) {
      this.#session.disconnect();
      throw new PprofError(
        PprofErrorCode.BACKEND_UNAVAILABLE,
        `flight recorder unavailable: cannot start the inspector's profiler: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#console.profile(this.#title());
    this.#running = true;
  }

  #title(): string {
    return `${this.#prefix}${this.#seq}`;
  }

  #end(title: string): V8CpuProfile | undefined {
    this.#finished = undefined;
    this.#console.profileEnd(title);
    const profile = this.#finished;
    this.#finished = undefined;
    return profile;
  }

  // Synchronous: the in-process session calls back before post returns.
  #post(method: string, params?: object): void {
    const answer: { err: Error | null } = { err: null };
    const post = this.#session.post.bind(this.#session) as (
      m: string,
      p: object | undefined,
      cb: (err: Error | null) => void,
    ) => void;
    post(method, params, (err) => {
      answer.err = err;
    });
    if (answer.err !== null) throw answer.err;
  }
}
