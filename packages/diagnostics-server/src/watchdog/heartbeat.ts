// The main event loop's heartbeat, as the watchdog's worker thread sees it: a timer on the main loop
// stores the time of each beat in a SharedArrayBuffer, which the worker reads without the main thread's
// help. Worker threads read the same monotonic clock (process.hrtime), so the age of the last beat is
// how long the main loop has not turned, while it still has not.

/** Index of the last beat (ns, `process.hrtime.bigint()`) in the buffer's BigInt64Array. */
const LAST_BEAT = 0;

/** The beat period for a blocked-after bound: a fifth of it (so jitter never looks like a block), 10 to 100 ms. */
export function beatIntervalMs(blockedAfterMs: number): number {
  return Math.max(10, Math.min(100, Math.floor(blockedAfterMs / 5)));
}

/**
 * The writing side, on the main thread: an unref'd timer (it never keeps the process alive) that
 * stores the time at each beat, and hands `onBeat` the gap since the previous one (how long the loop
 * did not turn). It costs one timer callback per beat (measured in the README).
 */
export class Heartbeat {
  readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  readonly #view = new BigInt64Array(this.buffer);
  readonly #intervalMs: number;
  readonly #onBeat: (gapMs: number) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number, onBeat: (gapMs: number) => void = () => undefined) {
    this.#intervalMs = intervalMs;
    this.#onBeat = onBeat;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    Atomics.store(this.#view, LAST_BEAT, process.hrtime.bigint());
    this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    const now = process.hrtime.bigint();
    const previous = Atomics.exchange(this.#view, LAST_BEAT, now);
    this.#onBeat(Number(now - previous) / 1e6);
  }
}

/** The reading side, in the worker: whether, and for how long, the main loop has been blocked. */
export class HeartbeatReader {
  readonly #view: BigInt64Array;
  readonly #blockedAfterMs: number;

  constructor(buffer: SharedArrayBuffer, blockedAfterMs: number) {
    this.#view = new BigInt64Array(buffer);
    this.#blockedAfterMs = blockedAfterMs;
  }

  /** The last beat, ns on the `process.hrtime` clock: it changes each time the main loop turns. */
  lastBeatNs(): bigint {
    return Atomics.load(this.#view, LAST_BEAT);
  }

  /** Milliseconds since the last beat. */
  ageMs(): number {
    return Number(process.hrtime.bigint() - this.lastBeatNs()) / 1e6;
  }

  /** How long the main loop has not turned (ms) when that is over the bound, else undefined. */
  blockedForMs(): number | undefined {
    const age = this.ageMs();
    return age > this.#blockedAfterMs ? age : undefined;
  }

  /** Milliseconds until the loop counts as blocked if it does not beat again (at least 1). */
  msUntilBlocked(): number {
    return Math.max(1, Math.ceil(this.#blockedAfterMs - this.ageMs()));
  }
}
