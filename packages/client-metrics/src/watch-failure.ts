// A short, data-free reason for a watch or list failure: what the readiness check says on
// `/readyz/<name>`, a path the kubelet (and anyone who can reach the port) reads without a token. So
// never a message (a URL, a server's text), only a status code, a system error code or an error name.

/**
 * An HTTP status, as client-node's watch (`statusCode`) and ApiException (`code`) carry it. The range
 * matters: a DOMException has a numeric `code` too, its legacy one — client-node 2.x ends a quiet or
 * stalled watch with a TimeoutError whose code is 23, and stops one with an AbortError (20).
 */
function httpStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

export function watchFailure(err: unknown): string {
  if (err === null || err === undefined) return 'closed';
  if (typeof err !== 'object') return 'error';
  const e = err as { statusCode?: unknown; code?: unknown; name?: unknown };
  const status = httpStatus(e.statusCode) ?? (err instanceof DOMException ? undefined : httpStatus(e.code));
  if (status !== undefined) return `HTTP ${status}`;
  if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(e.code)) return e.code;
  if (typeof e.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name)) return e.name;
  return 'error';
}
