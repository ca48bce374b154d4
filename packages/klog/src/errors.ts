/**
 * Every error code this package throws. Codes are stable; messages may gain detail.
 * - `KDIAG_KLOG_INVALID_OPTIONS`: createLogger options failed validation (see `problems`).
 * - `KDIAG_KLOG_INVALID_VERBOSITY`: setVerbosity got something other than an integer in 0..2147483647.
 * - `KDIAG_KLOG_INVALID_VMODULE`: a vmodule spec klog would reject; the message is klog's text.
 * - `KDIAG_KLOG_INVALID_FLAGS`: `-v`/`--vmodule`/`--logging-format` values failed validation.
 * - `KDIAG_KLOG_NOT_A_LOGGER`: getVerbosityControl/getOutputControl got a logger not made here.
 */
export type KlogErrorCode =
  | 'KDIAG_KLOG_INVALID_OPTIONS'
  | 'KDIAG_KLOG_INVALID_VERBOSITY'
  | 'KDIAG_KLOG_INVALID_VMODULE'
  | 'KDIAG_KLOG_INVALID_FLAGS'
  | 'KDIAG_KLOG_NOT_A_LOGGER';

/** One validation problem: the field path and what was expected, got what. */
export interface OptionProblem {
  readonly path: string;
  readonly message: string;
}

/** The error class of this package; `code` is stable, `problems` lists every validation failure. */
export class KlogError extends Error {
  readonly code: KlogErrorCode;
  readonly problems: readonly OptionProblem[];

  constructor(
    code: KlogErrorCode,
    message: string,
    options?: { cause?: unknown; problems?: readonly OptionProblem[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KlogError';
    this.code = code;
    this.problems = options?.problems ?? [];
  }
}
