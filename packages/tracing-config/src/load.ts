// Reading the file behind `--tracing-config-file`, with one distinct, coded error per way it can
// go wrong, worded like kube-apiserver where it has words for it.
import { open } from 'node:fs/promises';
import { decodeTracingConfiguration } from './decode.ts';
import { TracingError, TracingErrorCode } from './errors.ts';
import { goQuote } from './internal/go-quote.ts';
import { applyLoadOptions, type LoadTracingConfigurationOptions } from './options.ts';
import type { TracingConfiguration } from './types.ts';

// Go's *PathError text for the common cases, so messages read like kube-apiserver's
// (`open /x: permission denied`); anything else keeps Node's own description.
function describeFsError(err: unknown, op: string, path: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `${op} ${path}: permission denied`;
    case 'EISDIR':
      return `read ${path}: is a directory`;
    case 'ELOOP':
      return `${op} ${path}: too many levels of symbolic links`;
    case 'ENOTDIR':
      return `${op} ${path}: not a directory`;
    default:
      return `${op} ${path}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Reads, decodes and validates a TracingConfiguration file (or a block embedded in one).
 *
 * @returns the configuration; `undefined` only for an absent embedded block (tracing off)
 * @throws TracingError with code `KDIAG_TRACING_CONFIG_PATH_EMPTY`, `..._CONFIG_NOT_FOUND`,
 *   `..._CONFIG_UNREADABLE`, `..._CONFIG_TOO_LARGE`, `..._CONFIG_EMPTY`, `..._CONFIG_MALFORMED` or
 *   `..._CONFIG_INVALID`; `KDIAG_TRACING_INVALID_OPTIONS` for invalid options
 */
export async function loadTracingConfiguration(
  path: string,
  options?: LoadTracingConfigurationOptions,
): Promise<TracingConfiguration | undefined> {
  const { embeddedAt, maxBytes } = applyLoadOptions(options);
  if (path === '')
    throw new TracingError(TracingErrorCode.CONFIG_PATH_EMPTY, 'tracing config file was empty');
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TracingError(
        TracingErrorCode.CONFIG_NOT_FOUND,
        `tracing-config-file ${path} does not exist`,
        {
          cause: err,
        },
      );
    }
    throw new TracingError(
      TracingErrorCode.CONFIG_UNREADABLE,
      `unable to read tracing configuration from ${goQuote(path)}: ${describeFsError(err, 'open', path)}`,
      { cause: err },
    );
  }
  let data: Buffer;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    if (stat.size > maxBytes) {
      throw new TracingError(
        TracingErrorCode.CONFIG_TOO_LARGE,
        `unable to read tracing configuration from ${goQuote(path)}: file is ${stat.size} bytes; expected at most ${maxBytes}`,
      );
    }
    // Read at most maxBytes + 1 even if the file grew after stat: the bound holds either way.
    const limit = Number.isFinite(maxBytes) ? maxBytes + 1 : stat.size + 1;
    const buffer = Buffer.alloc(Math.min(limit, Math.max(stat.size, 0) + 64 * 1024));
    let length = 0;
    for (;;) {
      if (length === buffer.length) break;
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) {
      throw new TracingError(
        TracingErrorCode.CONFIG_TOO_LARGE,
        `unable to read tracing configuration from ${goQuote(path)}: file is larger than ${maxBytes} bytes`,
      );
    }
    data = buffer.subarray(0, length);
  } catch (err) {
    if (err instanceof TracingError) throw err;
    throw new TracingError(
      TracingErrorCode.CONFIG_UNREADABLE,
      `unable to read tracing configuration from ${goQuote(path)}: ${describeFsError(err, 'read', path)}`,
      { cause: err },
    );
  } finally {
    await handle.close();
  }
  return decodeTracingConfiguration(data, {
    source: path,
    ...(embeddedAt === undefined ? {} : { embeddedAt }),
  });
}
