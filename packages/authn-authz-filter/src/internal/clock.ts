import { setTimeout as sleepFor } from 'node:timers/promises';

/** Time source of the caches and the retry loop; tests substitute a fake one. */
export interface Clock {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  // performance.now() is monotonic: a wall-clock step (NTP) must not expire or extend cache entries.
  now: () => performance.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, signal === undefined ? {} : { signal }),
};
