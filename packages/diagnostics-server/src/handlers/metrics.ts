import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeGoHttpError } from '@kubediag/options';
import type { Logger, MetricsRegistry, RequestHandler } from '../types.ts';
import { methodNotAllowed, options } from '../internal/respond.ts';
import { MetricsBody, type FinishedBody } from '../exposition/metrics-body.ts';
import {
  isOpenMetrics,
  negotiateExposition,
  openMetricsOnly,
  type Exposition,
} from '../exposition/negotiate.ts';
import { isSliceable, RenderAborted, renderInSlices } from '../exposition/render-in-slices.ts';

const ALLOW = ['GET', 'HEAD', 'OPTIONS'] as const;

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
 * `/metrics`. A prom-client Registry is written here, in slices that let the event loop run between
 * them, byte-identical to its `metrics()`:
 * - a registry in the text format (prom-client's default) answers in the format the scraper prefers,
 *   as Go's promhttp with `EnableOpenMetrics` does: OpenMetrics for Prometheus (which then stores
 *   exemplars), the text format for everyone else;
 * - a registry made for OpenMetrics (`openMetricsContentType`) always answers OpenMetrics, whose
 *   counter names it was written for; a client whose Accept excludes it gets 406.
 * Any other object with `metrics()` and `contentType` is answered with what `metrics()` returns.
 */
export function createMetricsHandler(
  registry: MetricsRegistry,
  log: Logger,
  gzipMinBytes: number,
): RequestHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') return options(res, ALLOW);
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, ALLOW);
    const accept = req.headers.accept;
    const exposition: Exposition | undefined = isOpenMetrics(registry.contentType)
      ? openMetricsOnly(accept, registry.contentType)
      : isSliceable(registry)
        ? negotiateExposition(accept)
        : { format: 'text', contentType: registry.contentType };
    if (exposition === undefined) {
      return writeGoHttpError(
        res,
        406,
        'this server exposes application/openmetrics-text only; the Accept header excludes it',
      );
    }
    const gzipFrom = acceptsGzip(req.headers['accept-encoding']) ? gzipMinBytes : undefined;
    let finished: FinishedBody;
    try {
      finished = await render(registry, exposition, gzipFrom, () => res.destroyed);
    } catch (err) {
      if (err instanceof RenderAborted) return;
      // promhttp's HTTPErrorOnError: 500 with the gather error.
      log.error(err, 'error gathering metrics');
      return writeGoHttpError(res, 500, `An error has occurred while serving metrics:\n\n${errorText(err)}`);
    }
    res.setHeader('Content-Type', exposition.contentType);
    res.setHeader('Vary', 'Accept-Encoding');
    if (finished.gzipped) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', finished.body.length);
    res.end(finished.body);
  };
}

/** The body of one answer: rendered in slices when the registry allows it, else its `metrics()` text. */
async function render(
  registry: MetricsRegistry,
  exposition: Exposition,
  gzipFrom: number | undefined,
  aborted: () => boolean,
): Promise<FinishedBody> {
  const body = new MetricsBody(gzipFrom);
  try {
    if (isSliceable(registry)) await renderInSlices(registry, exposition.format, body, aborted);
    else body.write(await registry.metrics());
    return await body.finish();
  } catch (err) {
    body.discard();
    throw err;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
