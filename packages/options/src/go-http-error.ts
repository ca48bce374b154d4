import type { ServerResponse } from 'node:http';

/**
 * Answers an error the way Go's `http.Error` does, so clients see the texts the Go components give:
 * `Content-Type: text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`, the text followed by
 * one newline (Go's `Fprintln`), and the `Content-Length` of that body, as Go's server sets it for a
 * handler that wrote a small body and returned (any Content-Length a handler set before is replaced).
 * `text` has no trailing newline. When the headers are already out, a status can no longer be sent:
 * the connection is destroyed so that the client sees a truncated body rather than a complete-looking
 * one.
 */
export function writeGoHttpError(
  res: ServerResponse,
  status: number,
  text: string,
  headers?: Readonly<Record<string, string>>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Set, not removed: removeHeader('Content-Length') makes Node send the body chunked.
  const body = `${text}\n`;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (headers !== undefined) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.end(body);
}
