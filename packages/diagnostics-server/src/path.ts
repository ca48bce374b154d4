/**
 * Request-target normalization. The server runs this BEFORE the filter and the router and rewrites
 * `req.url` to the result, so the authorization decision and the handler are always about the same path.
 */
export type NormalizedTarget =
  /** The path is clean: route on `path`; `search` is the raw query including `?` (or ''). */
  | { kind: 'clean'; path: string; search: string }
  /** The decoded path is not clean: answer 301 to `location` (Go's ServeMux behaviour). */
  | { kind: 'redirect'; location: string }
  /** The target cannot be routed safely: answer 400 with `reason`. */
  | { kind: 'invalid'; reason: string };

/** Go's `path.Clean`, keeping a trailing slash the way net/http's `cleanPath` does. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let clean = '/' + out.join('/');
  // path.Clean drops a trailing slash; net/http's cleanPath puts it back (`/debug/pprof/` stays).
  if (p.endsWith('/') && clean !== '/') clean += '/';
  return clean;
}

const PCT = /%([0-9A-Fa-f]{2})/g;

/**
 * Splits and normalizes a raw request target (`req.url`).
 *
 * - Origin-form (`/p?q`) and absolute-form (`https://host/p?q`) are accepted; `*` and anything else is
 *   invalid.
 * - Percent-escapes are decoded once. An encoded `/`, `\`, NUL or control byte, a raw `\`, a malformed
 *   escape or bytes that are not UTF-8 make the target invalid: none of our paths contain them, and
 *   decoding them would let two different raw paths mean the same route.
 * - Then the path is cleaned (`//`, `.`, `..`); if that changes it, the answer is a redirect to the clean
 *   path (query kept). The redirect carries no data and the client's follow-up goes through the filter.
 */
export function normalizeRequestTarget(rawUrl: string): NormalizedTarget {
  let target = rawUrl;
  if (!target.startsWith('/')) {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
    if (m === null) return { kind: 'invalid', reason: 'invalid request target' };
    target = target.slice(m[0].length);
    if (!target.startsWith('/')) target = '/' + target;
  }
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const search = q === -1 ? '' : target.slice(q);

  if (rawPath.includes('\\')) return { kind: 'invalid', reason: 'invalid request path' };
  let path = rawPath;
  if (rawPath.includes('%')) {
    // Every `%` must start a valid escape.
    if (/%(?![0-9A-Fa-f]{2})/.test(rawPath))
      return { kind: 'invalid', reason: 'invalid URL escape in request path' };
    for (const m of rawPath.matchAll(PCT)) {
      const byte = parseInt(m[1] ?? '', 16);
      if (byte === 0x2f || byte === 0x5c || byte < 0x20 || byte === 0x7f) {
        return { kind: 'invalid', reason: 'invalid request path' };
      }
    }
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return { kind: 'invalid', reason: 'invalid URL escape in request path' };
    }
  }
  // Raw control characters never reach us through Node's parser, but be explicit.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return { kind: 'invalid', reason: 'invalid request path' };

  const clean = cleanPath(path);
  if (clean !== path) {
    return { kind: 'redirect', location: encodePath(clean) + search };
  }
  return { kind: 'clean', path, search };
}

/** Re-encodes a clean path for a Location header or `req.url` (keeps `/`, escapes the rest like Go). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%(2[4689BC]|3[ABD]|40)/gi, (e) => decodeURIComponent(e)))
    .join('/');
}
