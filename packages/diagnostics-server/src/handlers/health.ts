import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthCheck, Logger } from '../types.ts';
import { httpError, methodNotAllowed, options, sendText } from '../internal/respond.ts';

const ALLOW = ['GET', 'HEAD', 'OPTIONS'] as const;

interface CheckStatus {
  name: string;
  healthy: boolean;
  excluded: boolean;
}

/** Runs one check with a deadline, so a hung dependency cannot hang the kubelet's probe. */
async function runCheck(check: HealthCheck, req: IncomingMessage, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check did not finish within ${timeoutMs}ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => check(req)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function quoted(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(',');
}

/**
 * One health endpoint (`/healthz`, `/livez` or `/readyz`) with controller-runtime's `healthz.Handler`
 * semantics: results sorted by name; all ok without `verbose` → `ok`; any failure → 500, always verbose,
 * `reason withheld` (the aggregate is unauthenticated); `/<endpoint>/<name>` runs one check and shows its
 * error; an unknown name is 404; an endpoint without checks reports an implicit `ping`.
 *
 * @param subPath the part after the endpoint: '' or '/' for the aggregate, '/<name>' for one check.
 */
export function serveHealth(
  checks: ReadonlyMap<string, HealthCheck>,
  log: Logger,
  timeoutMs: number,
  req: IncomingMessage,
  res: ServerResponse,
  subPath: string,
  query: URLSearchParams,
): Promise<void> | void {
  if (req.method === 'OPTIONS') return options(res, ALLOW);
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, ALLOW);
  if (subPath === '' || subPath === '/') return serveAggregated(checks, log, timeoutMs, req, res, query);
  const name = subPath.slice(1).replace(/\/$/, '');
  if (checks.size === 0 && name === 'ping') return sendText(res, 200, 'ok');
  const check = checks.get(name);
  if (check === undefined || name.includes('/')) return httpError(res, 404, '404 page not found');
  return runCheck(check, req, timeoutMs).then(
    () => sendText(res, 200, 'ok'),
    (err: unknown) => {
      log.V(1).info('healthz check failed', { checker: name, error: errText(err) });
      httpError(res, 500, `internal server error: ${errText(err)}`);
    },
  );
}

async function serveAggregated(
  checks: ReadonlyMap<string, HealthCheck>,
  log: Logger,
  timeoutMs: number,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const excluded = new Set(query.getAll('exclude'));
  const parts: CheckStatus[] = await Promise.all(
    [...checks].map(async ([name, check]): Promise<CheckStatus> => {
      if (excluded.has(name)) return { name, healthy: true, excluded: true };
      try {
        await runCheck(check, req, timeoutMs);
        return { name, healthy: true, excluded: false };
      } catch (err) {
        log.V(1).info('healthz check failed', { checker: name, error: errText(err) });
        return { name, healthy: false, excluded: false };
      }
    }),
  );
  for (const p of parts) if (p.excluded) excluded.delete(p.name);
  if (checks.size === 0) parts.push({ name: 'ping', healthy: true, excluded: false });
  parts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const failed = parts.some((p) => !p.healthy);
  const verbose = query.has('verbose');
  if (!failed && !verbose) return sendText(res, 200, 'ok');
  let body = '';
  for (const p of parts) {
    if (p.excluded) body += `[+]${p.name} excluded: ok\n`;
    else if (p.healthy) body += `[+]${p.name} ok\n`;
    else body += `[-]${p.name} failed: reason withheld\n`;
  }
  if (excluded.size > 0) {
    body += `warn: some health checks cannot be excluded: no matches for ${quoted([...excluded].sort())}\n`;
  }
  if (failed) {
    log.info('healthz check failed', { statuses: parts.filter((p) => !p.healthy).map((p) => p.name) });
    body += 'healthz check failed\n';
  } else {
    body += 'healthz check passed\n';
  }
  sendText(res, failed ? 500 : 200, body);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
