import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Logger, MetricsRegistry, RequestHandler } from '../types.ts';
import { httpError, methodNotAllowed, options } from '../internal/respond.ts';

const gzipAsync = promisify(gzip);

/** prom-client's `openMetricsContentType`. */
const OPENMETRICS = 'application/openmetrics-text';
const ALLOW = ['GET', 'HEAD', 'OPTIONS'] as const;

/** True when the Accept header admits `type` (`type/sub`, `type/*`, `*\/*`) with q > 0. */
export function accepts(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const [type] = mediaType.split('/');
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (range === mediaType || range === '*/*' || range === `${type}/*`) return true;
  }
  return false;
}

/** True when Accept-Encoding admits gzip with q > 0. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * `/metrics`: the registry in its own exposition format. prom-client renders one format per registry
 * (and its OpenMetrics rendering renames counters in place), so switching a shared registry's format per
 * request would corrupt concurrent scrapes. The format is therefore chosen by the registry
 * (`new Registry(openMetricsContentType)` for OpenMetrics); `Accept` is checked against it: a client that
 * excludes that format gets 406 instead of a body it cannot parse. Prometheus accepts both.
 */
export function createMetricsHandler(
  registry: MetricsRegistry,
  log: Logger,
  gzipMinBytes: number,
): RequestHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') return options(res, ALLOW);
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, ALLOW);
    const contentType = registry.contentType;
    const isOpenMetrics = contentType.startsWith(OPENMETRICS);
    if (isOpenMetrics && !accepts(req.headers.accept, OPENMETRICS)) {
      return httpError(res, 406, `this server exposes ${OPENMETRICS} only; the Accept header excludes it`);
    }
    let body: string;
    try {
      body = await registry.metrics();
    } catch (err) {
      // promhttp's HTTPErrorOnError: 500 with the gather error.
      log.error(err, 'error gathering metrics');
      return httpError(res, 500, `An error has occurred while serving metrics:\n\n${errorText(err)}`);
    }
    res.setHeader('Content-Type', contentType);
    res.setHeader('Vary', 'Accept-Encoding');
    if (body.length >= gzipMinBytes && acceptsGzip(req.headers['accept-encoding'])) {
      // zlib runs on the libuv pool, so a large scrape does not block the event loop while compressing.
      const zipped = await gzipAsync(body);
      res.setHeader('Content-Encoding', 'gzip');
      res.setHeader('Content-Length', zipped.length);
      res.end(zipped);
      return;
    }
    // One UTF-8 encode, reused for the length and the write.
    const buf = Buffer.from(body);
    res.setHeader('Content-Length', buf.length);
    res.end(buf);
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
