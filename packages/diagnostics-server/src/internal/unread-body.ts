import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Go's `maxPostHandlerReadBytes` (net/http server.go): the most of a body left unread by the handler
 * that the server still reads, only to keep the connection. About a TCP buffer: a client that sent
 * that much has it on the wire already.
 */
export const MAX_UNREAD_BODY_BYTES: number = 256 * 1024;

/**
 * Go's `rstAvoidanceDelay`: how long a connection closed over an unread body stays half-closed before
 * it is destroyed. Destroying a socket with unread input makes the kernel send a reset, and a reset can
 * make the client's kernel drop the answer it has not read yet (or fail the client's pending write
 * before it looks at the answer): the delay lets the client read the answer and the FIN first.
 */
export const UNREAD_BODY_LINGER_MS: number = 500;

/** True when the request carries a body: any Transfer-Encoding, or a Content-Length above zero. */
export function hasRequestBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

/**
 * Settles a request body the handler (or the filter, or a 404) leaves unread, as Go's net/http does
 * (chunkWriter.writeHeader, conn.closeWriteAndWait). Node's default would read such a body to its end,
 * however long, and keep the connection; closing it instead without saying so makes a keep-alive client
 * send its next request into a closed connection.
 * - A body of declared length under {@link MAX_UNREAD_BODY_BYTES}: the rest is read and dropped after
 *   the answer, and the connection is kept.
 * - Any other body still arriving when the answer starts (longer, or chunked, whose rest has no known
 *   length): the answer says `Connection: close`, the body is not read further, and the connection is
 *   half-closed after the answer and destroyed {@link UNREAD_BODY_LINGER_MS} later.
 * Go reads up to 256 KiB of a chunked body before it answers, to keep the connection when the body ends
 * within it; that would mean holding every answer back, so a chunked body still arriving is closed on.
 */
export function settleUnreadBody(
  req: IncomingMessage,
  res: ServerResponse,
  lingerMs: number = UNREAD_BODY_LINGER_MS,
): void {
  let closing = false;
  let decided = false;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  // The last moment the Connection header can change: end(), write() and flushHeaders() all call
  // writeHead when no head was written yet.
  res.writeHead = (...args: unknown[]): ServerResponse => {
    if (!decided && !req.complete) {
      closing = answerCloses(req, res) || !discardable(req);
      if (closing) res.setHeader('Connection', 'close');
    }
    decided = true;
    return writeHead(...args);
  };

  // Prepended: Node's own 'finish' listener would otherwise start reading the body to its end.
  res.prependOnceListener('finish', () => {
    if (req.complete) return;
    // resume() marks the body as taken, so Node leaves it alone. Kept: drop the rest as it comes (its
    // declared length bounds it; a handler that paused it would stall the connection). Closing: pause()
    // at once, so the socket stops reading when the request's buffer is full.
    req.resume();
    if (!closing) return;
    req.pause();
    lingerOnClose(req.socket, lingerMs);
  });
}

/** A known length small enough to read and drop (chunked bodies have none). */
function discardable(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return false;
  return Number(req.headers['content-length']) < MAX_UNREAD_BODY_BYTES;
}

/** The connection ends after this answer anyway: the handler or the server said so, or the client asked. */
function answerCloses(req: IncomingMessage, res: ServerResponse): boolean {
  if (hasToken(res.getHeader('connection'), 'close')) return true;
  if (hasToken(req.headers.connection, 'close')) return true;
  return req.httpVersion === '1.0' && !hasToken(req.headers.connection, 'keep-alive');
}

function hasToken(value: unknown, token: string): boolean {
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '';
  return text.split(',').some((t) => t.trim().toLowerCase() === token);
}

/**
 * Node ends a finished `Connection: close` exchange with `socket.destroySoon()`, which destroys the
 * socket as soon as the answer is written. On this socket it half-closes and waits instead.
 */
function lingerOnClose(socket: Socket, lingerMs: number): void {
  socket.destroySoon = function (this: Socket): void {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}
