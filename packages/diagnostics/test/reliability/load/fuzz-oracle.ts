/**
 * The fuzz test's oracle. Ground truth is what the test itself sent: only a request carrying the
 * reader's token can be allowed anything, and the reader may only `get` /metrics, /debug/pprof/* and
 * the canary and `put` /debug/flags/v (to 10, the child's -v). A protected side effect reported by
 * the child for any other request means a handler ran without an allow decision. Responses are
 * checked too: a request without the token may only get answers given before or by the filter.
 */
import type { CaseRecord } from './fuzz-driver.ts';
import type { EffectMessage } from './operator-process.ts';

export interface Violation {
  readonly id: string | null;
  readonly rule: string;
  readonly detail: string;
}

/** Every status the port may answer with; anything else is not sane. */
export const SANE_STATUSES: ReadonlySet<number> = new Set([
  200, 204, 301, 400, 401, 403, 404, 405, 406, 408, 413, 417, 431, 500, 503, 505,
]);

/** The server's default maxHeaderSize. */
const MAX_HEAD_BYTES = 16 * 1024;

/** Answers a request gets before (or from) the filter, whatever its credential. */
const PRE_HANDLER_STATUSES: ReadonlySet<number> = new Set([301, 400, 401, 403, 404, 408, 417, 431, 505]);

/**
 * The filter's own failure texts: a review that could not be made fails closed with these (500), and
 * so does one the review budget did not let out (503, with Retry-After).
 */
const FILTER_FAILURE =
  /^(Authentication failed|Authorization for user .* failed|Authentication unavailable, retry later|Authorization for user .* unavailable, retry later)\n$/;

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Generous on purpose: whether `target` may name a route matching `pattern` once decoded. */
function mayName(target: string, pattern: RegExp): boolean {
  const path = target.split('?')[0] ?? '';
  return pattern.test(
    path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  );
}

const HEALTH = /healthz|livez|readyz/i;
const METRICS = /metrics/i;

function describe(r: CaseRecord | undefined): string {
  if (r === undefined) return 'unknown request';
  return `${JSON.stringify(r.method)} ${JSON.stringify(r.target.slice(0, 120))} [${r.label}] -> ${r.outcome} ${r.status ?? ''}`;
}

export function checkEffects(
  mode: 'secure' | 'insecure',
  records: ReadonlyMap<string, CaseRecord>,
  effects: readonly EffectMessage[],
): Violation[] {
  const out: Violation[] = [];
  for (const e of effects) {
    if (e.effect === 'health') continue;
    const r = e.id === null ? undefined : records.get(e.id);
    if (r === undefined) {
      out.push({
        id: e.id,
        rule: `${e.effect} effect outside any request of the test`,
        detail: JSON.stringify(e),
      });
      continue;
    }
    if (mode === 'insecure') {
      // Insecure mode serves /metrics to anyone by design; everything else is not even registered.
      if (e.effect !== 'metrics')
        out.push({ id: e.id, rule: `${e.effect} handler ran in insecure mode`, detail: describe(r) });
      else if (!READ_METHODS.has(r.method))
        out.push({
          id: e.id,
          rule: 'metrics rendered for a method other than GET/HEAD',
          detail: describe(r),
        });
      continue;
    }
    if (!r.carriesReader) {
      out.push({ id: e.id, rule: `${e.effect} handler ran without the reader's token`, detail: describe(r) });
    } else if (e.effect === 'flags') {
      if (r.method !== 'PUT' || e.value !== 10)
        out.push({ id: e.id, rule: `verbosity set to ${e.value} by ${r.method}`, detail: describe(r) });
    } else if (!READ_METHODS.has(r.method)) {
      out.push({
        id: e.id,
        rule: `${e.effect} handler ran for verb ${r.method.toLowerCase()}`,
        detail: describe(r),
      });
    }
  }
  return out;
}

export function checkResponses(
  mode: 'secure' | 'insecure',
  records: ReadonlyMap<string, CaseRecord>,
  effects: readonly EffectMessage[],
): Violation[] {
  const ranFor = new Map<string, Set<string>>();
  for (const e of effects) {
    if (e.id === null) continue;
    const kinds = ranFor.get(e.id) ?? new Set<string>();
    kinds.add(e.effect);
    ranFor.set(e.id, kinds);
  }
  const out: Violation[] = [];
  for (const r of records.values()) {
    if (r.outcome === 'timeout') {
      // What the connection carried just before is usually the cause: name it for the replay.
      const before = [...records.values()].filter((p) => p.connection === r.connection && p !== r);
      const detail = `${describe(r)}; before it on its connection: ${before.map(describe).join(' | ') || 'nothing'}`;
      out.push({ id: r.id, rule: 'no answer and no close within the client guard time', detail });
      continue;
    }
    if (r.outcome === 'closed' && r.size <= MAX_HEAD_BYTES && !r.noVersion) {
      // A larger request may be cut by a reset while it is still being sent (431 lost in flight);
      // an HTTP/0.9-form request line is owed no HTTP/1.1 answer.
      out.push({ id: r.id, rule: 'connection closed without an answer', detail: describe(r) });
      continue;
    }
    if (r.outcome !== 'response' || r.status === undefined) continue;
    const status = r.status;
    if (!SANE_STATUSES.has(status)) {
      out.push({ id: r.id, rule: `unexpected status ${status}`, detail: describe(r) });
      continue;
    }
    if (status === 500 && r.body === 'internal server error\n') {
      out.push({ id: r.id, rule: 'a handler threw', detail: describe(r) });
      continue;
    }
    const kinds = ranFor.get(r.id);
    const handled = kinds !== undefined && kinds.size > 0;
    if (PRE_HANDLER_STATUSES.has(status)) continue;
    if (status === 405 && (r.method === 'TRACE' || r.method === 'CONNECT')) continue; // before the filter
    if ((status === 500 || status === 503) && FILTER_FAILURE.test(r.body ?? '')) continue;
    // The filter's review budget refusing a HEAD request: no body, but its Retry-After.
    if (status === 503 && r.method === 'HEAD' && r.retryAfter !== undefined) continue;
    if (handled || mayName(r.target, HEALTH)) continue;
    // Insecure mode serves /metrics unauthenticated by design; in secure mode the reader may be answered.
    if (mode === 'insecure' ? mayName(r.target, METRICS) : r.carriesReader) continue;
    out.push({
      id: r.id,
      rule: `status ${status} from a handler that did not report running`,
      detail: describe(r),
    });
  }
  return out;
}
