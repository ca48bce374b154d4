import { KubediagError } from '@kubediag/options';

/** Stable codes of every error `@kubediag/klog` throws; listed in its README. */
export const KlogErrorCode = {
  /**
   * createLogger, createFileOutput or createPinoLogger options (or the `base` options of
   * loggerOptionsFromFlags) failed validation; `problems` lists every one.
   */
  INVALID_OPTIONS: 'KDIAG_KLOG_INVALID_OPTIONS',
  /** setVerbosity got something other than an integer from 0 to 2147483647. */
  INVALID_VERBOSITY: 'KDIAG_KLOG_INVALID_VERBOSITY',
  /** setVModule got a spec klog would reject; the message is klog's own text. */
  INVALID_VMODULE: 'KDIAG_KLOG_INVALID_VMODULE',
  /** `-v`, `--vmodule` or `--logging-format` values failed validation; `problems` names each flag. */
  INVALID_FLAGS: 'KDIAG_KLOG_INVALID_FLAGS',
  /** getVerbosityControl or getOutputControl got a logger this package did not make. */
  NOT_A_LOGGER: 'KDIAG_KLOG_NOT_A_LOGGER',
} as const;
export type KlogErrorCode = (typeof KlogErrorCode)[keyof typeof KlogErrorCode];

/** The one error class of `@kubediag/klog`; branch on `code`. */
export class KlogError extends KubediagError<KlogErrorCode> {
  override readonly name = 'KlogError';
}

/** True for a {@link KlogError}, optionally with the given code. */
export function isKlogError(err: unknown, code?: KlogErrorCode): err is KlogError {
  return err instanceof KlogError && (code === undefined || err.code === code);
}
