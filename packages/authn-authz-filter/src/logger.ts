// The filter logs through @kubediag/klog's Logger interface; any structurally compatible logger fits.
export type { KeyValues, Logger, Verbose } from '@kubediag/klog';
