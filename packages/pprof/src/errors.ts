/**
 * Every error this package throws. Codes are stable and listed in the README's Errors section; messages are
 * lowercase context chains ("what failed: why; expected X, got Y").
 */
export type PprofErrorCode =
  | 'KDIAG_PPROF_INVALID_OPTIONS'
  | 'KDIAG_PPROF_CPU_PROFILE_IN_USE'
  | 'KDIAG_PPROF_BACKEND_UNAVAILABLE'
  | 'KDIAG_PPROF_PROFILE_FAILED'
  | 'KDIAG_PPROF_ABORTED';

/** Base class: `code` identifies the failure, `cause` keeps the underlying error when there is one. */
export class PprofError extends Error {
  readonly code: PprofErrorCode;
  constructor(code: PprofErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PprofError';
    this.code = code;
  }
}

/** One problem found by {@link validatePprofOptions}. */
export interface OptionProblem {
  /** Dotted path of the offending option, e.g. `cpu.samplingIntervalMicros`. */
  readonly path: string;
  /** What was expected and what was given. */
  readonly message: string;
}

/** Thrown by {@link createPprofHandler} and the collect functions when options are invalid; lists every problem. */
export class InvalidPprofOptionsError extends PprofError {
  readonly problems: readonly OptionProblem[];
  constructor(problems: readonly OptionProblem[]) {
    super(
      'KDIAG_PPROF_INVALID_OPTIONS',
      `invalid pprof options: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
    this.name = 'InvalidPprofOptionsError';
    this.problems = problems;
  }
}

/**
 * A CPU profile is already running in this process. V8 and Go both allow one at a time; the message ends
 * with Go's own text so the HTTP handler can answer `Could not enable CPU profiling: <message tail>`.
 */
export class CpuProfileInUseError extends PprofError {
  constructor() {
    super('KDIAG_PPROF_CPU_PROFILE_IN_USE', 'cpu profiling already in use');
    this.name = 'CpuProfileInUseError';
  }
}

/** The selected backend cannot run here (no inspector in this Node build, @datadog/pprof not installed, ...). */
export class BackendUnavailableError extends PprofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KDIAG_PPROF_BACKEND_UNAVAILABLE', message, options);
    this.name = 'BackendUnavailableError';
  }
}

/** The profiler failed while collecting or encoding a profile. */
export class ProfileFailedError extends PprofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KDIAG_PPROF_PROFILE_FAILED', message, options);
    this.name = 'ProfileFailedError';
  }
}

/** The caller aborted the collection (the HTTP client went away, or the `signal` fired). */
export class ProfileAbortedError extends PprofError {
  constructor(message = 'profile collection aborted', options?: { cause?: unknown }) {
    super('KDIAG_PPROF_ABORTED', message, options);
    this.name = 'ProfileAbortedError';
  }
}
