// Some things exist once per thread whatever the number of handlers: V8's CPU profiler (one profile at a
// time, as in Go) and the flight recorder's chain of console profiles. Their flags live on globalThis
// under registry symbols, so that two copies of this package in one process (a hoisting accident) still
// exclude each other. They are per thread: worker threads have their own globalThis and V8 isolate.
type Holder = Record<symbol, boolean | undefined>;

/** Takes the lock named `key` or throws `refused()`; returns the release function (idempotent). */
export function acquireThreadLock(key: symbol, refused: () => Error): () => void {
  const holder = globalThis as unknown as Holder;
  if (holder[key] === true) throw refused();
  holder[key] = true;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holder[key] = false;
  };
}
