import { STATUS_CODES, type IncomingMessage } from 'node:http';

// Request heads Node's parser accepts and Go's net/http refuses while reading them, before any
// handler (server.go readRequest, request.go readRequest). Go answers these itself, on the raw
// connection, and closes it; so does this, with Go's bytes.

/**
 * Go's answer to a request it refuses while reading it: no Date, no Content-Length, the status line's
 * text repeated as the body, `Connection: close`. `reason` is absent for Go's generic `400 Bad Request`.
 */
export function goRefusal(status: number, reason?: string): string {
  const text = `${status} ${STATUS_CODES[status] ?? ''}${reason === undefined ? '' : `: ${reason}`}`;
  return `HTTP/1.1 ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}`;
}

/** Go's answer to an HTTP version other than 1.x (http1ServerSupportsRequest). */
export const UNSUPPORTED_VERSION: string = goRefusal(505, 'unsupported protocol version');

/** httpguts.ValidHostHeader: the bytes a Host header may hold (RFC 3986 reg-name, IP literals, port). */
const VALID_HOST = /^[0-9A-Za-z!$%&'()*+,\-.:;=[\]_~]*$/;

/**
 * The answer Go's net/http gives instead of serving this request, or undefined when Go would serve it:
 * two or more Host headers (Go's generic 400), an HTTP major version other than 1 (505), no Host on
 * HTTP/1.1 (400), a Host with a byte outside Go's set (400). In Go's order.
 */
export function goRequestRefusal(req: IncomingMessage): string | undefined {
  // Node keeps the first of repeated Host headers; count them in the raw list.
  const raw = req.rawHeaders;
  let hosts = 0;
  let host = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hosts++;
      host = raw[i + 1] ?? '';
    }
  }
  if (hosts > 1) return goRefusal(400);
  if (req.httpVersionMajor !== 1) return UNSUPPORTED_VERSION;
  if (hosts === 0 && req.httpVersionMinor >= 1) return goRefusal(400, 'missing required Host header');
  if (hosts === 1 && !VALID_HOST.test(host)) return goRefusal(400, 'malformed Host header');
  return undefined;
}

/**
 * For a request line Node's parser refused as an invalid version: Go's 505 when the version is
 * well-formed with a major other than 1 (`HTTP/3.0`, `HTTP/0.9`), else undefined (Go parses
 * `HTTP/1.2` as 1.x and serves it; Node cannot).
 */
export function unsupportedVersionAnswer(rawPacket: unknown): string | undefined {
  if (!Buffer.isBuffer(rawPacket)) return undefined;
  const firstLine = rawPacket.toString('latin1').split('\r\n', 1)[0] ?? '';
  const version = / HTTP\/(\d)\.\d$/.exec(firstLine);
  return version !== null && version[1] !== '1' ? UNSUPPORTED_VERSION : undefined;
}
