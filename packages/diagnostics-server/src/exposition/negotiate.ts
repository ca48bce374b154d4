import type { ExpositionFormat } from './exposition-format.ts';

/** prom-client's `prometheusContentType`: the text format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** prom-client's `openMetricsContentType`: OpenMetrics 1.0.0. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const OPENMETRICS_0_0_1_CONTENT_TYPE = 'application/openmetrics-text; version=0.0.1; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text';

/** What `/metrics` answers with: the format written and its Content-Type. */
export interface Exposition {
  readonly format: ExpositionFormat;
  readonly contentType: string;
}

/** One clause of an Accept header. */
interface AcceptClause {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  readonly version: string | undefined;
  readonly index: number;
}

/** The clauses of `accept`, most preferred first: by q, then concrete before wildcard, then as written. */
function parseAccept(accept: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';');
    const [type = '', subtype, extra] = range.trim().toLowerCase().split('/');
    if (type === '' || subtype === undefined || subtype === '' || extra !== undefined) continue;
    let q = 1;
    let version: string | undefined;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const value = param.slice(eq + 1).trim();
      if (key === 'q') q = Number(value);
      else if (key === 'version') version = value;
    }
    // q=0 means "not acceptable" (RFC 9110); an unreadable q counts as 0 too.
    if (!(q > 0)) continue;
    clauses.push({ type: type.trim(), subtype: subtype.trim(), q, version, index: clauses.length });
  }
  const wild = (c: AcceptClause): number => (c.type === '*' ? 2 : c.subtype === '*' ? 1 : 0);
  return clauses.sort((a, b) => b.q - a.q || wild(a) - wild(b) || a.index - b.index);
}

/**
 * The exposition a registry written in the text format by default offers to `accept`, as Go's
 * `expfmt.NegotiateIncludingOpenMetrics` chooses it (promhttp with `EnableOpenMetrics`): the first
 * clause, in order of preference, naming OpenMetrics 1.0.0 or 0.0.1 (a bare
 * `application/openmetrics-text` is 0.0.1) or text 0.0.4 (a bare `text/plain`) wins; wildcards and
 * every other type or version fall through to the text format. So Prometheus 3's default Accept gets
 * OpenMetrics 1.0.0 (and with it exemplars), `curl` and Prometheus' text-only protocols get text, and
 * its protobuf-only protocol gets text through its `*\/*`.
 */
export function negotiateExposition(accept: string | undefined): Exposition {
  if (accept !== undefined) {
    for (const c of parseAccept(accept)) {
      if (`${c.type}/${c.subtype}` === OPENMETRICS) {
        const version = c.version ?? '0.0.1';
        if (version === '1.0.0') return { format: 'openmetrics', contentType: OPENMETRICS_CONTENT_TYPE };
        if (version === '0.0.1')
          return { format: 'openmetrics', contentType: OPENMETRICS_0_0_1_CONTENT_TYPE };
      } else if (c.type === 'text' && c.subtype === 'plain' && (c.version ?? '0.0.4') === '0.0.4') {
        break;
      }
    }
  }
  return { format: 'text', contentType: TEXT_CONTENT_TYPE };
}

/** True when the Accept header admits `type/sub` (`type/sub`, `type/*`, `*\/*`) with q > 0. */
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

/**
 * The exposition of a registry whose own format is OpenMetrics: always OpenMetrics (its counters are
 * named for it), or `undefined` — 406 — when the Accept header excludes it.
 */
export function openMetricsOnly(accept: string | undefined, contentType: string): Exposition | undefined {
  return accepts(accept, OPENMETRICS) ? { format: 'openmetrics', contentType } : undefined;
}

/** True when `contentType` is OpenMetrics (a registry made with prom-client's `openMetricsContentType`). */
export function isOpenMetrics(contentType: string): boolean {
  return contentType.startsWith(OPENMETRICS);
}
