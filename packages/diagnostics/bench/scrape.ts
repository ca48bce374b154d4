/** One GET over HTTPS (`/metrics` unless told) to a server with a self-signed certificate, as Prometheus sends it. */
import { Agent, request } from 'node:https';

export interface ScrapeResult {
  /** HTTP status, or 0 when the request failed before a response (refused, reset, timed out). */
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/** A keep-alive agent that accepts the servers' self-signed certificates. */
export function scrapeAgent(maxSockets = 8): Agent {
  return new Agent({ keepAlive: true, maxSockets, rejectUnauthorized: false });
}

export function scrape(
  url: string,
  token: string | undefined,
  agent: Agent,
  timeoutMs = 10_000,
  path = '/metrics',
): Promise<ScrapeResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      { agent, headers: token === undefined ? {} : { Authorization: `Bearer ${token}` }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
        res.once('error', () => resolve({ status: 0, body, ms: performance.now() - t0 }));
      },
    );
    // Prometheus' default scrape_timeout is 10 s: a scrape that takes longer is a failed scrape.
    req.once('timeout', () => req.destroy(new Error('scrape timed out')));
    req.once('error', () => resolve({ status: 0, body: '', ms: performance.now() - t0 }));
    req.end();
  });
}

/** Lines of a text exposition, as `curl … | wc -l` counts them. */
export function lineCount(body: string): number {
  return body.split('\n').length - (body.endsWith('\n') ? 1 : 0);
}
