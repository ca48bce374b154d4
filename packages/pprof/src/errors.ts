import { KubediagError } from '@kubediag/options';

/** Stable codes of every error `@kubediag/pprof` throws; listed in its README. */
export const PprofErrorCode = {
  /**
   * createPprofHandler, collectCpuProfile or collectHeapProfile options failed validation;
   * `problems` lists every one.
   */
  INVALID_OPTIONS: 'KDIAG_PPROF_INVALID_OPTIONS',
  /**
   * A CPU profile is already running in this thread. V8 and Go both allow one at a time; the message
   * is Go's own text, so the handler answers `Could not enable CPU profiling: <message>`.
   */
  CPU_PROFILE_IN_USE: 'KDIAG_PPROF_CPU_PROFILE_IN_USE',
  /** The selected backend cannot run here (no inspector in this Node build, @datadog/pprof not installed). */
  BACKEND_UNAVAILABLE: 'KDIAG_PPROF_BACKEND_UNAVAILABLE',
  /** The profiler failed while collecting or encoding a profile. */
  PROFILE_FAILED: 'KDIAG_PPROF_PROFILE_FAILED',
  /** The collection was aborted: the `signal` fired, the HTTP client went away, or the handler closed. */
  ABORTED: 'KDIAG_PPROF_ABORTED',
  /**
   * A flight recorder already runs in this thread (another open handler has `flightRecorder.enabled`).
   * V8 mirrors the recorder's console profiles into every profiling session, so there is one per thread.
   */
  FLIGHT_RECORDER_IN_USE: 'KDIAG_PPROF_FLIGHT_RECORDER_IN_USE',
} as const;
export type PprofErrorCode = (typeof PprofErrorCode)[keyof typeof PprofErrorCode];

/** The one error class of `@kubediag/pprof`; branch on `code`. */
export class PprofError extends KubediagError<PprofErrorCode> {
  override readonly name = 'PprofError';
}

/** True for a {@link PprofError}, optionally with the given code. */
export function isPprofError(err: unknown, code?: PprofErrorCode): err is PprofError {
  return err instanceof PprofError && (code === undefined || err.code === code);
}

/** The error of an aborted collection; `cause` is the abort reason when there is one. */
export function abortedError(cause?: unknown, message = 'profile collection aborted'): PprofError {
  return new PprofError(PprofErrorCode.ABORTED, message, { cause });
}
