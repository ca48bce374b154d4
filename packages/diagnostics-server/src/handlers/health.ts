import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../types.ts';
import type { HealthCheckRunner, HealthEndpoint, ProbeQuery, ProbeReport } from '../health-checks.ts';
import { methodNotAllowed, options, sendText } from '../internal/respond.ts';

const ALLOW = ['GET', 'HEAD', 'OPTIONS'] as const;

/** A probe's answer: every one is plain text (`text/plain; charset=utf-8`, nosniff). */
export interface ProbeAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Answers a probe of one endpoint (`/healthz`, `/livez` or `/readyz`) from the checks' report, with
 * controller-runtime's `healthz.Handler` texts: results sorted by name; all ok without `verbose` →
 * `ok`; any failure → 500, always verbose, `reason withheld` (the aggregate is unauthenticated) unless
 * the outcome has a public reason (the watchdog's `event-loop`); the report's warnings as `warn:` lines;
 * `/<endpoint>/<name>` shows its one check's error; an unknown name is 404. Pure: no I/O, no checks.
 */
export function probeAnswer(query: ProbeQuery, report: ProbeReport, verbose: boolean): ProbeAnswer {
  if (query.check !== undefined) {
    const outcome = report.outcomes[0];
    if (outcome === undefined) return { status: 404, body: '404 page not found\n' };
    if (outcome.state === 'failed') return { status: 500, body: `internal server error: ${outcome.error}\n` };
    return { status: 200, body: 'ok' };
  }
  const parts = [...report.outcomes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const failed = parts.some((p) => p.state === 'failed');
  if (!failed && !verbose) return { status: 200, body: 'ok' };
  let body = '';
  for (const p of parts) {
    if (p.state === 'excluded') body += `[+]${p.name} excluded: ok\n`;
    else if (p.state === 'ok') body += `[+]${p.name} ok\n`;
    else body += `[-]${p.name} failed: ${p.publicReason ?? 'reason withheld'}\n`;
  }
  for (const warning of report.warnings ?? []) body += `warn: ${warning}\n`;
  const matched = new Set(parts.filter((p) => p.state === 'excluded').map((p) => p.name));
  const unmatched = [...new Set(query.exclude)].filter((n) => !matched.has(n)).sort();
  if (unmatched.length > 0) {
    body += `warn: some health checks cannot be excluded: no matches for ${unmatched.map((n) => JSON.stringify(n)).join(',')}\n`;
  }
  body += failed ? 'healthz check failed\n' : 'healthz check passed\n';
  return { status: failed ? 500 : 200, body };
}

/**
 * Serves one health endpoint: reads the probe off the request, asks `checks`, writes the answer.
 *
 * @param subPath the part after the endpoint: '' or '/' for the aggregate, '/<name>' for one check.
 */
export async function serveHealth(
  checks: HealthCheckRunner,
  endpoint: HealthEndpoint,
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  subPath: string,
  params: URLSearchParams,
): Promise<void> {
  if (req.method === 'OPTIONS') return options(res, ALLOW);
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, ALLOW);
  const query: ProbeQuery =
    subPath === '' || subPath === '/'
      ? { endpoint, exclude: params.getAll('exclude') }
      : { endpoint, check: subPath.slice(1).replace(/\/$/, ''), exclude: [] };
  const report = await checks.run(query, req);
  const answer = probeAnswer(query, report, params.has('verbose'));
  if (query.check === undefined && answer.status !== 200) {
    const failed = report.outcomes.filter((o) => o.state === 'failed').map((o) => o.name);
    log.info('healthz check failed', { statuses: failed.sort() });
  }
  sendText(res, answer.status, answer.body);
}
