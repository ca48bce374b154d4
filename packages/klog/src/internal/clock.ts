import { performance } from 'node:perf_hooks';

// klog prints microseconds, Date.now() has milliseconds. performance.now() has sub-microsecond
// resolution but is monotonic, so it drifts from the wall clock (NTP steps, suspend). The default
// clock re-anchors performance.now() on Date.now() once a second: wall-clock correct within 1 ms,
// with microsecond digits that advance.

const RESYNC_MS = 1000;
let base = Date.now() - performance.now();
let lastSync = performance.now();

/** Epoch milliseconds with a fractional part (microseconds). */
export function wallClock(): number {
  const p = performance.now();
  if (p - lastSync > RESYNC_MS) {
    base = Date.now() - p;
    lastSync = p;
  }
  return base + p;
}
