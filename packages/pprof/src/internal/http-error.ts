import type { ServerResponse } from 'node:http';

/**
 * Go's `serveError` in net/http/pprof: `http.Error`'s shape (text/plain; charset=utf-8, nosniff, body + "\n")
 * plus `X-Go-Pprof: 1`, which `go tool pprof` looks for to print the body as a server-side error.
 */
export function serveError(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    // Too late for a status line: cut the connection so the client cannot take a partial profile for a whole one.
    res.destroy();
    return;
  }
  res.removeHeader('Content-Disposition');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Go-Pprof', '1');
  res.statusCode = status;
  res.end(`${text}\n`);
}

export function serveBinary(res: ServerResponse, filename: string, body: Buffer): void {
  res.statusCode = 200;
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

export function serveText(
  res: ServerResponse,
  text: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.statusCode = 200;
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', contentType);
  res.end(text);
}
