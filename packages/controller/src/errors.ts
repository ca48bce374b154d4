import { KubediagError } from '@kubediag/options';

/** Stable codes of every error `@kubediag/controller` throws; listed in its README. */
export const ControllerErrorCode = {
  /** createController, createWorkQueue or createReconcileMetrics options failed validation; `problems` lists every one. */
  INVALID_OPTIONS: 'KDIAG_CONTROLLER_INVALID_OPTIONS',
} as const;
export type ControllerErrorCode = (typeof ControllerErrorCode)[keyof typeof ControllerErrorCode];

/** The one error class of `@kubediag/controller`; branch on `code`. */
export class ControllerError extends KubediagError<ControllerErrorCode> {
  override readonly name = 'ControllerError';
}

/** True for a {@link ControllerError}, optionally with the given code. */
export function isControllerError(err: unknown, code?: ControllerErrorCode): err is ControllerError {
  return err instanceof ControllerError && (code === undefined || err.code === code);
}
