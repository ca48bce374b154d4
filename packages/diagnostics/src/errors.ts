import { KubediagError } from '@kubediag/options';

/** Stable codes of every error `@kubediag/diagnostics` throws; listed in its README. */
export const DiagnosticsErrorCode = {
  /** withDiagnostics options failed validation; `problems` lists every one, with its path from the root. */
  INVALID_OPTIONS: 'KDIAG_DIAGNOSTICS_INVALID_OPTIONS',
  /** The static token file (or `staticAuth.tokens`) cannot be read or parsed; the message names the record. */
  TOKEN_FILE_INVALID: 'KDIAG_DIAGNOSTICS_TOKEN_FILE_INVALID',
  /** A diagnostics flag, or its environment variable, has a bad value. */
  FLAGS_INVALID: 'KDIAG_DIAGNOSTICS_FLAGS_INVALID',
  /** `start()` was called a second time. */
  ALREADY_STARTED: 'KDIAG_DIAGNOSTICS_ALREADY_STARTED',
  /** The diagnostics port could not start; `cause` holds the server's or the filter's coded error. */
  START_FAILED: 'KDIAG_DIAGNOSTICS_START_FAILED',
} as const;
export type DiagnosticsErrorCode = (typeof DiagnosticsErrorCode)[keyof typeof DiagnosticsErrorCode];

/** The one error class of `@kubediag/diagnostics`; branch on `code`. */
export class DiagnosticsError extends KubediagError<DiagnosticsErrorCode> {
  override readonly name = 'DiagnosticsError';
}

/** True for a {@link DiagnosticsError}, optionally with the given code. */
export function isDiagnosticsError(err: unknown, code?: DiagnosticsErrorCode): err is DiagnosticsError {
  return err instanceof DiagnosticsError && (code === undefined || err.code === code);
}
