import type { IncomingMessage } from 'node:http';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';

/**
 * What the decision core needs from a request, independent of the HTTP framework. Build it with
 * {@link requestAttributesFromNode} from any `node:http` IncomingMessage (Express `req`, Fastify
 * `request.raw`, Koa `ctx.req`).
 */
export interface RequestAttributes {
  /** HTTP method; the authorization verb is its lowercase (`GET` → `get`). */
  readonly method: string;
  /** Request target: path plus optional query. Authorization uses the path only. */
  readonly url: string;
  readonly headers: {
    readonly authorization?: string | readonly string[] | undefined;
    readonly 'user-agent'?: string | undefined;
  };
  /** Client address, for the audit record. */
  readonly remoteAddress?: string | undefined;
  /**
   * The TLS client certificate, called only when a client CA is configured (it costs a parse).
   * `tls.TLSSocket#getPeerCertificate(true)` fits.
   */
  readonly getPeerCertificate?:
    (() => PeerCertificate | DetailedPeerCertificate | null | undefined) | undefined;
}

interface MaybeTlsSocket {
  readonly remoteAddress?: string | undefined;
  readonly encrypted?: boolean;
  getPeerCertificate?(detailed: true): DetailedPeerCertificate | null;
}

/**
 * Reads a header from `req.rawHeaders` without materialising `req.headers` (Node builds that object
 * lazily, and building it costs more than the whole cached decision). First value wins, as Go's
 * Header.Get and Node's own handling of a repeated Authorization header.
 */
export function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (isHeaderName(raw[i]!, lowerName)) return raw[i + 1];
  }
  return undefined;
}

/**
 * Case-insensitive header-name match. Clients send the lowercase or the canonical spelling
 * (`authorization`, `Authorization`) almost always; comparing those first spares a lowercased copy of
 * the name on every request.
 */
export function isHeaderName(name: string, lowerName: string): boolean {
  if (name.length !== lowerName.length) return false;
  return name === lowerName || name === canonical(lowerName) || name.toLowerCase() === lowerName;
}

const canonicalNames = new Map<string, string>();
/** Go's CanonicalMIMEHeaderKey of a lowercase name (`user-agent` → `User-Agent`), memoised. */
function canonical(lowerName: string): string {
  let c = canonicalNames.get(lowerName);
  if (c === undefined) {
    c = lowerName.replace(/(^|-)([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
    if (canonicalNames.size < 64) canonicalNames.set(lowerName, c);
  }
  return c;
}

const LOWER_METHODS: Readonly<Record<string, string>> = {
  GET: 'get',
  HEAD: 'head',
  PUT: 'put',
  POST: 'post',
  DELETE: 'delete',
  PATCH: 'patch',
  OPTIONS: 'options',
};

/** The authorization verb of a method: its lowercase (a constant for the common methods). */
export function verbOf(method: string): string {
  return Object.hasOwn(LOWER_METHODS, method) ? LOWER_METHODS[method]! : method.toLowerCase();
}

/** Adapts a `node:http` request (plain or TLS) to {@link RequestAttributes}. */
export function requestAttributesFromNode(req: IncomingMessage): RequestAttributes {
  const socket = req.socket as MaybeTlsSocket | null | undefined;
  // bind, not an arrow: no closure to build per request (and nothing for a transpiler to wrap).
  const peer =
    socket !== null && socket !== undefined && typeof socket.getPeerCertificate === 'function'
      ? socket.getPeerCertificate.bind(socket, true)
      : undefined;
  const raw = req.rawHeaders;
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: { authorization: rawHeader(raw, 'authorization'), 'user-agent': rawHeader(raw, 'user-agent') },
    remoteAddress: socket?.remoteAddress,
    getPeerCertificate: peer,
  };
}

/** The path of a request target without its query; absolute-form targets are reduced to their path. */
export function pathOf(url: string): string {
  if (url.startsWith('/')) {
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q);
  }
  try {
    return new URL(url).pathname;
  } catch {
    // "*" (OPTIONS) and other non-path targets are authorized as written, minus any query.
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q);
  }
}
