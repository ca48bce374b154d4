import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeGoHttpError } from '@kubediag/options';
import type { RequestHandler } from '../types.ts';

/** A plain-text answer, as written (no trailing newline added, unlike `writeGoHttpError`). */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(body);
}

/** 405 with an `Allow` header. */
export function methodNotAllowed(res: ServerResponse, allow: readonly string[]): void {
  writeGoHttpError(res, 405, 'method not allowed', { Allow: allow.join(', ') });
}

/** 204 answer to OPTIONS listing the methods of a route. */
export function options(res: ServerResponse, allow: readonly string[]): void {
  res.statusCode = 204;
  res.setHeader('Allow', allow.join(', '));
  res.end();
}

/** Answers OPTIONS (204 + Allow) and unlisted methods (405) before `handler`. */
export function withMethods(handler: RequestHandler, allow: readonly string[]): RequestHandler {
  return (req, res) => {
    if (req.method === 'OPTIONS') return options(res, allow);
    if (!allow.includes(req.method ?? '')) return methodNotAllowed(res, allow);
    return handler(req, res);
  };
}

/** Go's ServeMux redirect: 301 with the clean location (query kept). */
export function redirect(res: ServerResponse, req: IncomingMessage, location: string): void {
  res.statusCode = 301;
  res.setHeader('Location', location);
  if (req.method === 'GET' || req.method === 'HEAD') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(
      `<a href="${location.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}">Moved Permanently</a>.\n\n`,
    );
  } else {
    res.end();
  }
}
