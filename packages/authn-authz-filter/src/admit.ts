import type { IncomingMessage } from 'node:http';
import type { Decision } from './decision.ts';
import { isHeaderName } from './request-attributes.ts';
import { setRequestUser } from './user-info.ts';

// Node keeps the parsed header object under an internal symbol and builds it on first access of
// `req.headers`. Knowing whether it exists lets us strip the credential from `rawHeaders` alone when
// nobody has asked for `req.headers` yet, which the hot path never does.
let kHeaders: symbol | null | undefined;
function headersMaterialised(req: IncomingMessage): boolean {
  if (kHeaders === undefined) {
    kHeaders = Object.getOwnPropertySymbols(req).find((s) => s.description === 'kHeaders') ?? null;
  }
  if (kHeaders === null) return true; // unknown Node internals: assume it exists, delete it there too
  const value = (req as unknown as Record<symbol, unknown>)[kHeaders];
  return value !== null && value !== undefined;
}

/**
 * Removes the Authorization header (from `rawHeaders`, and from `headers` if that object was already
 * built) so no handler is tempted to reuse or log the caller's credential, as the apiserver does after
 * authentication.
 */
export function stripAuthorization(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = raw[i]!;
    if (isHeaderName(name, 'authorization')) raw.splice(i, 2);
  }
  if (headersMaterialised(req) && req.headers.authorization !== undefined) delete req.headers.authorization;
}

/**
 * Applies an allowing decision to a `node:http` request before its handler runs: removes the
 * credential and records the user for `getRequestUser(req)`. Returns `decision.allowed`; a rejected
 * request is left untouched (answer it with `decision.status` and `decision.body`). For framework
 * adapters (Fastify: `admit(request.raw, d)`).
 */
export function admit(req: IncomingMessage, decision: Decision): boolean {
  if (!decision.allowed) return false;
  stripAuthorization(req);
  if (decision.user !== undefined) setRequestUser(req, decision.user);
  return true;
}
