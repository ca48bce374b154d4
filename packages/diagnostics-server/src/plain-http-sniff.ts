import type { Socket } from 'node:net';
import { UNREAD_BODY_LINGER_MS } from './internal/unread-body.ts';

/**
 * Go's answer when the first bytes on its TLS port are plain HTTP (net/http conn.serve, after the
 * handshake fails with a RecordHeaderError), written unencrypted, then the connection is closed.
 */
export const PLAIN_HTTP_ANSWER =
  'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/** Go's tlsRecordHeaderLooksLikeHTTP: the five bytes where a TLS record header would be. */
const HTTP_STARTS: readonly string[] = ['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO'];

/**
 * Reads the first bytes of a connection to a TLS port before TLS does: when they are plain HTTP (the
 * five bytes Go checks), answers Go's 400 and closes; otherwise puts them back and calls `onTls`, which
 * hands the socket to the TLS server (it takes bytes already buffered on the socket first). A TLS
 * ClientHello starts with 0x16 and is handed over at its first byte. The caller bounds the wait.
 */
export function sniffPlainHttp(socket: Socket, onTls: () => void): void {
  let head: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const start = head.subarray(0, 5).toString('latin1');
    if (head.length < 5 && HTTP_STARTS.some((s) => s.startsWith(start))) return;
    socket.off('data', onData);
    socket.pause();
    if (HTTP_STARTS.includes(start)) {
      answerPlainHttp(socket);
      return;
    }
    socket.unshift(head);
    onTls();
  };
  socket.on('data', onData);
}

/**
 * Writes Go's answer, then half-closes. What the client still sends is read and dropped for a moment,
 * so that closing over unread bytes (which makes the kernel send a reset) cannot make the client lose
 * the answer; then the socket is destroyed.
 */
function answerPlainHttp(socket: Socket): void {
  socket.end(PLAIN_HTTP_ANSWER);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), UNREAD_BODY_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
