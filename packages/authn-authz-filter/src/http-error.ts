import type { ServerResponse } from 'node:http';

/**
 * Writes an error the way Go's http.Error does: plain text with its trailing newline,
 * `Content-Type: text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`, no Content-Length
 * left over from a handler. `body` already ends in a newline.
 */
export function writeHttpError(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    // Too late for a status line: cut the connection rather than append to someone else's body.
    res.destroy();
    return;
  }
  res.removeHeader('Content-Length');
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(body);
}
