import type { ServerResponse } from 'node:http';
import { writeGoHttpError } from '@kubediag/options';

const GO_PPROF = Object.freeze({ 'X-Go-Pprof': '1' });

/**
 * Go's `serveError` in net/http/pprof: `http.Error`'s answer plus `X-Go-Pprof: 1`, which `go tool pprof`
 * looks for to print the body as a server-side error. A profile's Content-Disposition is removed first,
 * so the error text is not saved as a profile file. Once headers are out, the connection is cut so the
 * client cannot take a partial profile for a whole one.
 */
export function serveError(res: ServerResponse, status: number, text: string): void {
  if (!res.headersSent) res.removeHeader('Content-Disposition');
  writeGoHttpError(res, status, text, GO_PPROF);
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
