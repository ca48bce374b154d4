import { KubediagError, formatProblems, type OptionProblem } from '@kubediag/options';

/**
 * Every error this package throws is a {@link DiagnosticsServerError} with one of these codes, so
 * callers branch on `err.code` instead of parsing messages.
 */
export const DiagnosticsServerErrorCode = {
  /** The options failed validation (`problems` lists every one), or no verbosity control for a non-klog logger. */
  INVALID_OPTIONS: 'KDIAG_SERVER_INVALID_OPTIONS',
  /** An extra handler tried to override the built-in `/metrics`. */
  BUILTIN_OVERRIDE: 'KDIAG_SERVER_BUILTIN_OVERRIDE',
  /** An extra handler was registered on a path a built-in route already takes. */
  DUPLICATE_PATH: 'KDIAG_SERVER_DUPLICATE_PATH',
  /** The filter provider threw or returned something that is neither a Filter nor a ClosableFilter. */
  FILTER_PROVIDER: 'KDIAG_SERVER_FILTER_PROVIDER',
  /** The serving certificate could not be loaded or generated. */
  CERTIFICATE: 'KDIAG_SERVER_CERTIFICATE',
  /** The TLS settings (client CA file, what Node accepts) are not usable. */
  TLS: 'KDIAG_SERVER_TLS',
  /** The listener could not bind (address in use, permission denied, ...). */
  LISTEN: 'KDIAG_SERVER_LISTEN',
  /** `start()` was called on a server that is already started or stopped. */
  STATE: 'KDIAG_SERVER_STATE',
  /** A health check was registered with an invalid or duplicate name. */
  HEALTH_CHECK: 'KDIAG_SERVER_HEALTH_CHECK',
} as const;
export type DiagnosticsServerErrorCode =
  (typeof DiagnosticsServerErrorCode)[keyof typeof DiagnosticsServerErrorCode];

/** The one error class of this package; branch on `code`. */
export class DiagnosticsServerError extends KubediagError<DiagnosticsServerErrorCode> {
  override readonly name = 'DiagnosticsServerError';
}

/** True for a {@link DiagnosticsServerError}, optionally with the given code. */
export function isDiagnosticsServerError(
  err: unknown,
  code?: DiagnosticsServerErrorCode,
): err is DiagnosticsServerError {
  return err instanceof DiagnosticsServerError && (code === undefined || err.code === code);
}

/** The `INVALID_OPTIONS` error; the message lists every problem so one log line says it all. */
export function invalidOptionsError(problems: readonly OptionProblem[]): DiagnosticsServerError {
  return new DiagnosticsServerError(
    DiagnosticsServerErrorCode.INVALID_OPTIONS,
    `invalid diagnostics server options: ${formatProblems(problems)}`,
    { problems },
  );
}
