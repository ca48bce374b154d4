import type { Logger, Verbose } from '../logger.ts';

const disabled: Verbose = { enabled: false, info: () => {} };

/** A logger that writes nothing: the default when the core is used without a host server. */
export const discardLogger: Logger = {
  info: () => {},
  warning: () => {},
  error: () => {},
  V: () => disabled,
  withName: () => discardLogger,
  withValues: () => discardLogger,
};
