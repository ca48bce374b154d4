// The part of Go's net/url.Parse (Go 1.26) that component-base's endpoint validation depends on:
// the scheme it finds and the exact error text it returns. Kubernetes prints that text verbatim
// (`endpoint: Invalid value: "dns://a b": parse "dns://a b": invalid character " " in host name`),
// so this is a port of the reachable error paths, not a general URL parser. Go works on bytes;
// the checks below only look at ASCII, where UTF-16 code units and bytes agree.
import { isIPv6 } from 'node:net';
import { goQuote } from './go-quote.ts';

export type GoUrlResult =
  { readonly ok: true; readonly scheme: string } | { readonly ok: false; readonly error: string };

// Characters Go's encoding table allows unescaped in a host (encodeHost), besides alphanumerics.
const HOST_PUNCTUATION = new Set('!"$&\'()*+,-.:;<=>[]_~');

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Fa-f]$/.test(c);
}

function shouldEscapeInHost(c: string): boolean {
  return !(isAlnum(c) || HOST_PUNCTUATION.has(c));
}

class UrlError extends Error {}

function escapeError(s: string): UrlError {
  return new UrlError(`invalid URL escape ${goQuote(s)}`);
}

type Mode = 'host' | 'zone' | 'path' | 'fragment' | 'userPassword';

function unescape(s: string, mode: Mode): string {
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
        throw escapeError(s.slice(i, i + 3));
      }
      const triple = s.slice(i, i + 3);
      if (mode === 'host' && parseInt(s[i + 1]!, 16) < 8 && triple !== '%25') throw escapeError(triple);
      if (mode === 'zone') {
        const v = String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
        if (triple !== '%25' && v !== ' ' && shouldEscapeInHost(v)) throw escapeError(triple);
      }
      i += 3;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscapeInHost(c)) {
      throw new UrlError(`invalid character ${goQuote(c)} in host name`);
    }
    i++;
  }
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): void {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new UrlError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf('%25');
    const address =
      zone >= 0
        ? unescape(hostname.slice(0, zone), 'host') + unescape(hostname.slice(zone), 'zone')
        : unescape(hostname, 'host');
    // Go reports netip.ParseAddr's own reason here; we only know that it failed.
    const bare = zone >= 0 ? address.slice(0, address.indexOf('%')) : address;
    if (!isIPv6(bare)) throw new UrlError(`invalid host: ParseAddr(${goQuote(address)}): unable to parse IP`);
    return;
  }
  const colon = host.lastIndexOf(':');
  if (colon !== -1) {
    // Go only insists on a single colon for http and https; these endpoints never have those schemes.
    const colonPort = host.slice(colon);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
  }
  unescape(host, 'host');
}

const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function parseAuthority(authority: string): void {
  const at = authority.lastIndexOf('@');
  parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return;
  const userinfo = authority.slice(0, at);
  if (!USERINFO.test(userinfo)) throw new UrlError('net/url: invalid userinfo');
  for (const part of userinfo.split(':', 2)) unescape(part, 'userPassword');
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function parse(raw: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError('net/url: invalid control character in URL');
  if (raw === '*') return '';
  const { scheme: rawScheme, rest: afterScheme } = getScheme(raw);
  const scheme = rawScheme.toLowerCase();
  let rest = afterScheme;
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) rest = rest.slice(0, q);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return scheme; // opaque
    const slash = rest.indexOf('/');
    const segment = slash >= 0 ? rest.slice(0, slash) : rest;
    if (segment.includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    parseAuthority(authority);
  }
  unescape(rest, 'path');
  return scheme;
}

/**
 * Parses `raw` the way Go's `url.Parse` does, returning the lower-cased scheme or Go's error text
 * (`parse "<url>": <reason>`).
 */
export function goParseUrl(raw: string): GoUrlResult {
  const hash = raw.indexOf('#');
  const beforeFragment = hash >= 0 ? raw.slice(0, hash) : raw;
  let scheme: string;
  try {
    scheme = parse(beforeFragment);
  } catch (err) {
    if (err instanceof UrlError)
      return { ok: false, error: `parse ${goQuote(beforeFragment)}: ${err.message}` };
    throw err;
  }
  if (hash >= 0) {
    try {
      unescape(raw.slice(hash + 1), 'fragment');
    } catch (err) {
      if (err instanceof UrlError) return { ok: false, error: `parse ${goQuote(raw)}: ${err.message}` };
      throw err;
    }
  }
  return { ok: true, scheme };
}
