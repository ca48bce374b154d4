import { CpuProfileInUseError } from '../errors.ts';

// V8 (like Go's runtime) profiles one thread at a time for the whole process. The flag lives on globalThis
// under a registry symbol so two copies of this package in one process (a hoisting accident) still exclude
// each other. It is per thread: worker threads have their own globalThis and their own V8 isolate.
const KEY = Symbol.for('kubediag.pprof.cpuProfileInUse');
type Holder = { [KEY]?: boolean };

/** Takes the CPU profile lock or throws {@link CpuProfileInUseError}; returns the release function. */
export function acquireCpuProfileLock(): () => void {
  const holder = globalThis as Holder;
  if (holder[KEY] === true) throw new CpuProfileInUseError();
  holder[KEY] = true;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holder[KEY] = false;
  };
}

export function isCpuProfiling(): boolean {
  return (globalThis as Holder)[KEY] === true;
}
