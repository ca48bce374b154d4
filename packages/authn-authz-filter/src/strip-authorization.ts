import type { IncomingMessage } from 'node:http';
import { nodeHeaderSlots } from './internal/node-header-slots.ts';
import { isHeaderName } from './request-attributes.ts';

type HeaderMap = Record<string, unknown>;

/**
 * A copy of a header map without `authorization`, with the same prototype. Copying beats `delete`:
 * deleting a property from the middle of an object turns it into a slow dictionary (1–6 µs per request
 * measured in a busy server, and slower reads in the handler after it); a copy of a few headers costs
 * about 1 µs there.
 */
function withoutAuthorization(headers: HeaderMap): HeaderMap {
  const copy: HeaderMap = Object.getPrototypeOf(headers) === null ? { __proto__: null } : {};
  for (const name of Object.keys(headers)) if (name !== 'authorization') copy[name] = headers[name];
  return copy;
}

/** A header map Node has already built, or undefined while it is still to be built lazily. */
function built(internal: Record<symbol, unknown>, slot: symbol): HeaderMap | undefined {
  return (internal[slot] as HeaderMap | null | undefined) ?? undefined;
}

/**
 * Removes the Authorization header so no handler is tempted to reuse or log the caller's credential, as
 * the apiserver does after authentication: from `rawHeaders`, and from `headers` and `headersDistinct`
 * where Node has already built them (it builds them lazily from `rawHeaders`).
 */
export function stripAuthorization(req: IncomingMessage): void {
  const slots = nodeHeaderSlots();
  const internal = req as unknown as Record<symbol, unknown>;
  if (slots === undefined) {
    // Unknown Node internals: build both maps from the full list now, before it shrinks, so no later
    // lazy build reads the shortened list with the old count; they are cleaned below.
    void req.headers;
    void req.headersDistinct;
  }
  const raw = req.rawHeaders;
  let kept = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (isHeaderName(raw[i]!, 'authorization')) continue;
    if (kept !== i) {
      raw[kept] = raw[i]!;
      raw[kept + 1] = raw[i + 1]!;
    }
    kept += 2;
  }
  if (kept !== raw.length) {
    // pop(), not `length =`: shrinking through the length setter is a runtime call, pop is inlined.
    while (raw.length > kept) raw.pop();
    // Node's lazy builders loop to this count, not to rawHeaders.length.
    if (slots !== undefined) internal[slots.count] = kept;
  }
  const headers = slots === undefined ? (req.headers as HeaderMap) : built(internal, slots.headers);
  if (headers !== undefined && Object.hasOwn(headers, 'authorization')) {
    req.headers = withoutAuthorization(headers) as IncomingMessage['headers'];
  }
  const distinct =
    slots === undefined ? (req.headersDistinct as HeaderMap) : built(internal, slots.headersDistinct);
  if (distinct !== undefined && Object.hasOwn(distinct, 'authorization')) {
    req.headersDistinct = withoutAuthorization(distinct) as IncomingMessage['headersDistinct'];
  }
}
