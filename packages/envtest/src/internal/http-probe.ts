import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Result of one probe: the status and (bounded) body, or the transport error. */
export type ProbeResult = { status: number; body: string } | { error: string };

const MAX_BODY = 16 * 1024;

/** One GET with a hard timeout; never rejects. `ca` pins the server CA for https. */
export function probe(url: string, options: { ca?: string; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      {
        method: 'GET',
        timeout: timeoutMs,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, MAX_BODY) }));
        res.on('error', (err) => resolve({ error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end();
  });
}

/** Describes a probe result for an error message. */
export function describeProbe(r: ProbeResult | undefined): string {
  if (r === undefined) return 'not probed yet';
  if ('error' in r) return r.error;
  return `HTTP ${r.status}: ${r.body.trim().split('\n').slice(0, 5).join(' | ')}`;
}
