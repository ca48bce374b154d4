import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomInt } from 'node:crypto';
import type { RequestHandler } from '../types.ts';
import { writeGoHttpError } from '@kubediag/options';
import { methodNotAllowed, options } from '../internal/respond.ts';

const ALLOW = ['GET', 'HEAD', 'OPTIONS'] as const;
const WARNING =
  'Warning: This endpoint is not meant to be machine parseable, has no formatting compatibility guarantees and is for debugging purposes only.';
/** KEP-4827: a separator picked at random per request, to deter scraping the text form. */
const SEPARATORS = [':', ': ', '=', ' '] as const;
const GROUP = 'config.k8s.io';
const VERSION = 'v1beta1';
/** Value shown for a confidential flag. */
export const REDACTED = 'CLASSIFIED';

/** Names that look like they hold a credential are redacted even when not listed. */
const SECRET_NAME = /(token|password|passwd|secret|credential|private[-_]?key|api[-_]?key)/i;

/** What `/statusz` and `/flagz` show (KEP-4827 / KEP-4828). */
export interface ZPagesInfo {
  componentName: string;
  binaryVersion: string;
  emulationVersion: string | undefined;
  startTime: Date;
  flags: () => Readonly<Record<string, string>>;
  confidentialFlags: ReadonlySet<string>;
  paths: () => readonly string[];
}

type Wanted = { kind: 'text' } | { kind: 'json' } | { kind: 'none' };

/**
 * Negotiates the representation. No Accept, `text/plain`, `text/*` or `*\/*` → text. The structured form
 * is only served for the exact media type with `g`, `v` and `as` parameters, as kube-apiserver does.
 */
function negotiate(accept: string | undefined, kind: 'Statusz' | 'Flagz'): Wanted {
  if (accept === undefined || accept.trim() === '') return { kind: 'text' };
  for (const part of accept.split(',')) {
    const [range = '', ...rawParams] = part.split(';').map((s) => s.trim());
    const params = new Map(
      rawParams.map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i).toLowerCase(), p.slice(i + 1)] as const;
      }),
    );
    const q = params.get('q');
    if (q !== undefined && !(Number(q) > 0)) continue;
    const r = range.toLowerCase();
    if (
      r === 'application/json' &&
      params.get('g') === GROUP &&
      params.get('v') === VERSION &&
      params.get('as') === kind
    ) {
      return { kind: 'json' };
    }
    if (r === 'text/plain' || r === 'text/*' || r === '*/*') return { kind: 'text' };
  }
  return { kind: 'none' };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Go's `time.UnixDate` in UTC: `Mon Jan _2 15:04:05 UTC 2006`. */
export function unixDate(d: Date): string {
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

function uptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h} hr ${pad2(m)} min ${pad2(s)} sec`;
}

function header(component: string, page: string): string {
  return `\n${component} ${page}\n${WARNING}\n\n`;
}

function writeNegotiationError(res: ServerResponse, kind: string): void {
  writeGoHttpError(
    res,
    406,
    `none of the accepted media types is served; use text/plain or application/json;g=${GROUP};v=${VERSION};as=${kind}`,
  );
}

function sendJson(res: ServerResponse, kind: string, body: unknown): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', `application/json;g=${GROUP};v=${VERSION};as=${kind}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(JSON.stringify(body));
}

function sendPlain(res: ServerResponse, body: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(body);
}

function guard(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'OPTIONS') {
    options(res, ALLOW);
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    methodNotAllowed(res, ALLOW);
    return false;
  }
  return true;
}

/** `/statusz`: start time, uptime, runtime and binary versions, served paths. */
export function createStatuszHandler(info: ZPagesInfo): RequestHandler {
  return (req, res) => {
    if (!guard(req, res)) return;
    const wanted = negotiate(req.headers.accept, 'Statusz');
    if (wanted.kind === 'none') return writeNegotiationError(res, 'Statusz');
    const upSeconds = Math.max(0, Math.floor((Date.now() - info.startTime.getTime()) / 1000));
    const paths = info.paths();
    if (wanted.kind === 'json') {
      return sendJson(res, 'Statusz', {
        kind: 'Statusz',
        apiVersion: `${GROUP}/${VERSION}`,
        metadata: { name: info.componentName },
        startTime: info.startTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        uptimeSeconds: upSeconds,
        // A Node process has no Go version; the runtime version is reported under its own name.
        nodeVersion: process.version,
        binaryVersion: info.binaryVersion,
        ...(info.emulationVersion === undefined ? {} : { emulationVersion: info.emulationVersion }),
        paths,
      });
    }
    const sep = SEPARATORS[randomInt(SEPARATORS.length)] ?? ':';
    let body = header(info.componentName, 'statusz');
    body += `Started${sep}${unixDate(info.startTime)}\n`;
    body += `Up${sep}${uptime(upSeconds)}\n`;
    body += `Node version${sep}${process.version}\n`;
    body += `Binary version${sep}${info.binaryVersion}\n`;
    if (info.emulationVersion !== undefined) body += `Emulation version${sep}${info.emulationVersion}\n`;
    body += `Paths${sep}${paths.join(' ')}\n`;
    sendPlain(res, body);
  };
}

/** Applies the confidential list and the credential-name heuristic. */
export function redactFlags(
  flags: Readonly<Record<string, string>>,
  confidential: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(flags).sort()) {
    const value = flags[name] ?? '';
    out[name] = confidential.has(name) || SECRET_NAME.test(name) ? REDACTED : value;
  }
  return out;
}

/** `/flagz`: the component's flags, sorted, confidential values redacted. */
export function createFlagzHandler(info: ZPagesInfo): RequestHandler {
  return (req, res) => {
    if (!guard(req, res)) return;
    const wanted = negotiate(req.headers.accept, 'Flagz');
    if (wanted.kind === 'none') return writeNegotiationError(res, 'Flagz');
    const flags = redactFlags(info.flags(), info.confidentialFlags);
    if (wanted.kind === 'json') {
      return sendJson(res, 'Flagz', {
        kind: 'Flagz',
        apiVersion: `${GROUP}/${VERSION}`,
        metadata: { name: info.componentName },
        flags,
      });
    }
    const sep = SEPARATORS[randomInt(SEPARATORS.length)] ?? ':';
    let body = header(info.componentName, 'flagz');
    for (const [name, value] of Object.entries(flags)) body += `${name}${sep}${value}\n`;
    sendPlain(res, body);
  };
}
