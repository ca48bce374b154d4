import type { OutputControl } from '../output.ts';
import type { VerbosityState } from '../verbosity.ts';

/** What every logger of this package exposes to getVerbosityControl/getOutputControl. */
export interface Family {
  readonly state: VerbosityState;
  readonly output: OutputControl;
}

/** Symbol-keyed, so the public Logger shape stays exactly the cross-package contract. */
export const FAMILY: unique symbol = Symbol('kubediag.klog.family');

export function familyOf(logger: object): Family | undefined {
  return (logger as { [FAMILY]?: Family })[FAMILY];
}

/** An output control for loggers that buffer nothing themselves. */
export const NO_OUTPUT: OutputControl = Object.freeze({
  droppedLines: 0,
  bufferedBytes: 0,
  flush: () => Promise.resolve(),
  flushSync: () => true,
  close: () => Promise.resolve(),
});
