import { isIP } from 'node:net';
import type { Server } from 'node:http';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';

/** `host:port` split of a bind address, as Go's `net.SplitHostPort` + `Listen` understand it. */
export interface ListenAddress {
  /** '' means every interface. */
  readonly host: string;
  readonly port: number;
}

/** Parses `:8443`, `127.0.0.1:0`, `[::1]:8443`, `localhost:8080`. Returns a message on error. */
export function parseBindAddress(addr: string): ListenAddress | string {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  if (m === null)
    return `expected "host:port" (e.g. ":8443" or "127.0.0.1:8443") or "0" to disable, got ${JSON.stringify(addr)}`;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return `port must be 0..65535, got ${port}`;
  if (m[1] !== undefined && isIP(host) !== 6)
    return `expected an IPv6 address in brackets, got ${JSON.stringify(host)}`;
  return { host, port };
}

/**
 * Binds `server` to a validated bind address. Rejects with `KDIAG_SERVER_LISTEN` when it cannot (address
 * in use, permission denied); later server errors go to `onError`.
 */
export async function listen(
  server: Server,
  bindAddress: string,
  onError: (err: Error) => void,
): Promise<void> {
  const addr = parseBindAddress(bindAddress);
  if (typeof addr === 'string') throw listenError(bindAddress, addr);
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => reject(listenError(bindAddress, err.message, err));
    server.once('error', failed);
    const listening = (): void => {
      server.off('error', failed);
      server.on('error', onError);
      resolve();
    };
    if (addr.host === '') server.listen(addr.port, listening);
    else server.listen(addr.port, addr.host, listening);
  });
}

function listenError(bindAddress: string, reason: string, cause?: unknown): DiagnosticsServerError {
  return new DiagnosticsServerError(
    DiagnosticsServerErrorCode.LISTEN,
    `listening on ${bindAddress}: ${reason}`,
    cause === undefined ? {} : { cause },
  );
}
