/**
 * A cheap timer on the main event loop (unref'd: it never keeps the process alive). Each beat records
 * its time, first in a SharedArrayBuffer, then calls `onBeat` with the time the previous beat ended (and
 * the time excused since), so a beat that comes late tells how long the loop did not turn.
 *
 * The SharedArrayBuffer (`[0]`: the last beat, nanoseconds on the `process.hrtime` clock; `[1]`: the
 * number of beats) is the input a watchdog in a worker thread needs to see, while the main thread is
 * still blocked, that it stopped beating: worker threads read the same monotonic clock.
 */
export class Heartbeat {
  /** `BigInt64Array` view: `[0]` last beat (ns, monotonic), `[1]` beats so far. */
  readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(16);
  readonly #view = new BigInt64Array(this.buffer);
  readonly #intervalMs: number;
  readonly #onBeat: (nowNs: bigint, previousNs: bigint, excusedNs: bigint) => void;
  #timer: NodeJS.Timeout | undefined;
  #last = 0n;
  #excused = 0n;

  constructor(intervalMs: number, onBeat: (nowNs: bigint, previousNs: bigint, excusedNs: bigint) => void) {
    this.#intervalMs = intervalMs;
    this.#onBeat = onBeat;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#last = process.hrtime.bigint();
    Atomics.store(this.#view, 0, this.#last);
    this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Excuses the time since `sinceNs` (the owner's own synchronous work outside a beat, such as serving
   * a dump): the next beat's gap is reported without it.
   */
  excuse(sinceNs: bigint): void {
    if (this.#timer !== undefined) this.#excused += process.hrtime.bigint() - sinceNs;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    const now = process.hrtime.bigint();
    Atomics.store(this.#view, 0, now);
    Atomics.add(this.#view, 1, 1n);
    const excused = this.#excused;
    this.#excused = 0n;
    try {
      this.#onBeat(now, this.#last, excused);
    } finally {
      // The next gap is measured from the end of this beat's own work (a profile rotation, a stall
      // record), so the recorder never reports itself as a stall.
      this.#last = process.hrtime.bigint();
      Atomics.store(this.#view, 0, this.#last);
    }
  }
}
