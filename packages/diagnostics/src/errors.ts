/** Stable codes of every error `@kubediag/diagnostics` throws; listed in its README. */
export type DiagnosticsErrorCode =
  | 'KDIAG_DIAGNOSTICS_OPTIONS_INVALID'
  | 'KDIAG_DIAGNOSTICS_TOKEN_FILE_INVALID'
  | 'KDIAG_DIAGNOSTICS_FLAGS_INVALID'
  | 'KDIAG_DIAGNOSTICS_ALREADY_STARTED'
  | 'KDIAG_DIAGNOSTICS_START_FAILED';

export class DiagnosticsError extends Error {
  override readonly name: string = 'DiagnosticsError';
  readonly code: DiagnosticsErrorCode;

  constructor(code: DiagnosticsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One invalid option: where it is and what was expected. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Every problem of an options object at once, each with its option path. */
export class DiagnosticsConfigError extends DiagnosticsError {
  override readonly name: string = 'DiagnosticsConfigError';
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[]) {
    super(
      'KDIAG_DIAGNOSTICS_OPTIONS_INVALID',
      `invalid diagnostics options: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    );
    this.errors = errors;
  }
}
