import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from './types.ts';
import type { Router } from './router.ts';
import type { RequestDispatcher } from './request-dispatch.ts';
import type { HeadTimeout } from './connection-policy.ts';
import { normalizeRequestTarget } from './path.ts';
import { goRequestRefusal, unsupportedVersionAnswer } from './go-request-checks.ts';
import { hasRequestBody, settleUnreadBody } from './internal/unread-body.ts';
import { holdContinue } from './internal/expect-continue.ts';

// Where Node's HTTP server, left to itself, would answer differently from Go's net/http or leave a
// client hanging. The guards were found by fuzzing the port; each has its test file (connect-method,
// upgrade-request, unread-body, bad-input, handshake-deadline, go-parity, expect-continue).

/** Node's answer to a request head that took too long, kept explicit. */
const REQUEST_TIMEOUT_ANSWER =
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * Connection-level guards: CONNECT is answered like TRACE, an unmet `Expect` closes the connection,
 * `Expect: 100-continue` waits for the handler (see internal/expect-continue.ts), and a malformed
 * request is answered (or the socket dropped) without ever writing into a started response.
 */
export function guardConnections(
  server: Server,
  router: Router,
  log: Logger,
  dispatcher: RequestDispatcher,
): void {
  // Node hands CONNECT to 'connect' listeners, never to the request handler, and drops the
  // connection without an answer when there is none: answer it here, as TRACE is answered.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => answerConnect(req, socket, router, log));
  // Node's own 417 for an Expect it cannot meet keeps the connection, and after a request that
  // asked for an upgrade the next one on it is never answered: answer 417 here and close.
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(417, { Connection: 'close' }).end();
  });
  // Left to itself Node sends `100 Continue` before anything decided on the request, and a client
  // then sends a body nobody asked for: hold it until a handler reads the body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    holdContinue(req);
    dispatcher.dispatch(req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(err, socket, log, dispatcher.responseOn(socket)),
  );
}

/**
 * Request-level guards, before routing (a 404, a redirect or a filter's refusal leaves a body unread as
 * much as a handler does): a head Go refuses is answered as Go answers it and the connection closed
 * (returns true: the request is done); an upgrade request closes its connection; an unread body is
 * settled as Go settles it; a 401 or 403 closes the connection.
 */
export function guardRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const refusal = goRequestRefusal(req);
  if (refusal !== undefined) {
    answerRaw(req.socket, refusal);
    return true;
  }
  // The port never upgrades, and Node's parser strands the next request on a connection whose
  // request asked for an upgrade (it is never answered until the idle timeout): close it instead.
  if (req.headers.upgrade !== undefined) res.setHeader('Connection', 'close');
  if (hasRequestBody(req)) settleUnreadBody(req, res);
  // After settleUnreadBody: its decision at the head must see the Connection: close this one sets.
  closeAfterRefusal(res);
  return false;
}

/**
 * An unauthenticated (401) or denied (403) client gets `Connection: close`: nothing it can send next
 * on that connection would be answered differently, and a kept-alive refused connection held a slot
 * for the whole idle timeout. The decision is read from the status the filter writes; the filter
 * itself is not asked.
 */
function closeAfterRefusal(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (...args: unknown[]): ServerResponse => {
    const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
    if ((status === 401 || status === 403) && !res.headersSent) res.setHeader('Connection', 'close');
    return writeHead(...args);
  };
}

/**
 * What the connection policy does when a head deadline passes: a partly received head gets Node's
 * 408, as its own header timeout answers; a connection that sent nothing of a request is closed
 * without an answer, as a keep-alive timeout closes it (a 408 there could be read as the answer to a
 * request the client is sending at that moment).
 */
export function answerHeadTimeout(socket: Socket, how: HeadTimeout): void {
  if (how === 'idle' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(REQUEST_TIMEOUT_ANSWER);
  socket.destroySoon();
}

/** Writes an answer straight to the socket, bypassing the response, and closes once it is written. */
function answerRaw(socket: Socket, answer: string): void {
  socket.on('error', () => undefined);
  socket.end(answer, () => socket.destroy());
}

function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Socket,
  log: Logger,
  inFlight: ServerResponse | undefined,
): void {
  log.V(4).info('bad request from client', { remote: socket.remoteAddress, code: err.code });
  // Only an HTTP-level error can be answered. Below HTTP (a TLS handshake that timed out or
  // failed, a reset) an answer written to a TLS socket would wait for the handshake forever and
  // keep the connection open past every deadline.
  const answerable = err.code?.startsWith('HPE_') === true || err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  if (!answerable || !socket.writable) {
    socket.destroy();
    return;
  }
  // Go serves the request before a bad one to its end, then answers the bad one. A response still
  // being written (a pipelined request, or one that has not reached its 'close' yet) goes first;
  // answering now would cut it, or put the 400 in front of its status line.
  if (inFlight !== undefined && !inFlight.writableFinished) {
    let answered = false;
    const answerAfter = (): void => {
      if (answered) return;
      answered = true;
      answerClientError(err, socket, log, undefined);
    };
    inFlight.once('finish', answerAfter);
    inFlight.once('close', answerAfter);
    return;
  }
  // Go answers a well-formed version other than 1.x with 505 (Node's parser refuses HTTP/3.0).
  const goAnswer =
    err.code === 'HPE_INVALID_VERSION'
      ? unsupportedVersionAnswer((err as { rawPacket?: unknown }).rawPacket)
      : undefined;
  if (goAnswer !== undefined) {
    answerRaw(socket, goAnswer);
    return;
  }
  // Node's default answers, kept explicit: 431 for an oversized head, 408 for a header timeout.
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    answerHeadTimeout(socket, 'partial');
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroySoon();
}

/** CONNECT gets the answer TRACE gets (400, 301, 404, or 405 with Allow); then the connection closes. */
function answerConnect(req: IncomingMessage, socket: Duplex, router: Router, log: Logger): void {
  const { status, body, header } = connectAnswer(req.url ?? '', router);
  const text = body === '' ? '' : `${body}\n`;
  log.V(4).info('request', { method: req.method, status, remote: req.socket.remoteAddress });
  socket.on('error', () => undefined);
  // Node no longer reads this socket: destroy it once the answer is written rather than wait for
  // the client's end, which an unread request body would keep it from ever seeing.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${header === '' ? '' : `${header}\r\n`}` +
      'Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}

function connectAnswer(url: string, router: Router): { status: number; body: string; header: string } {
  const target = normalizeRequestTarget(url);
  if (target.kind === 'invalid') return { status: 400, body: target.reason, header: '' };
  if (target.kind === 'redirect') return { status: 301, body: '', header: `Location: ${target.location}` };
  const m = router.match(target.path, target.search);
  if (m.kind === 'none') return { status: 404, body: '404 page not found', header: '' };
  if (m.kind === 'redirect') return { status: 301, body: '', header: `Location: ${m.location}` };
  return { status: 405, body: 'method not allowed', header: `Allow: ${m.route.allow.join(', ')}` };
}
