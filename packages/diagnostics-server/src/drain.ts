import type { Server } from 'node:http';
import type { Logger } from './types.ts';
import type { RequestDispatcher } from './request-dispatch.ts';
import type { ConnectionPolicy } from './connection-policy.ts';

/**
 * Stops a listener: stops accepting, lets in-flight requests finish for up to `graceMs` (every answer
 * from now on closes its connection, idle connections are closed), then closes what is left.
 */
export async function drainServer(
  server: Server,
  dispatcher: RequestDispatcher,
  policy: ConnectionPolicy,
  graceMs: number,
  log: Logger,
): Promise<void> {
  dispatcher.drain(server);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  policy.closeHandshaking();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, graceMs));
  });
  const outcome = await Promise.race([closed.then(() => 'closed' as const), grace]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    log.info('grace period over; closing remaining connections', {
      inFlight: dispatcher.inFlight,
      graceMs,
    });
    server.closeAllConnections();
    await closed;
  }
}
