import { openSync } from 'node:fs';
import { applyFileOutputOptions, type FileOutputOptions } from './options.ts';
import { fileOutput, type FileOutput } from './output.ts';

/**
 * Opens `path` for appending (created with mode 0600 when missing) or wraps an open file descriptor.
 * Lines are batched and written with non-blocking `writeSync` calls. A descriptor opened here is
 * closed by the logger output's `close()` (`getOutputControl(logger).close()`); one passed in stays
 * the caller's. Throws a KlogError (`KDIAG_KLOG_INVALID_OPTIONS`) for invalid options.
 */
export function createFileOutput(pathOrFd: string | number, options?: FileOutputOptions): FileOutput {
  const o = applyFileOutputOptions(options);
  if (typeof pathOrFd === 'number') return fileOutput(pathOrFd, false);
  return fileOutput(openSync(pathOrFd, o.append ? 'a' : 'w', 0o600), true);
}
