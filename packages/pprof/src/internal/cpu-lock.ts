import { PprofError, PprofErrorCode } from '../errors.ts';
import { acquireThreadLock } from './thread-lock.ts';

const KEY = Symbol.for('kubediag.pprof.cpuProfileInUse');

/** Takes the CPU profile lock or throws `KDIAG_PPROF_CPU_PROFILE_IN_USE`; returns the release function. */
export function acquireCpuProfileLock(): () => void {
  return acquireThreadLock(
    KEY,
    () => new PprofError(PprofErrorCode.CPU_PROFILE_IN_USE, 'cpu profiling already in use'),
  );
}
