import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

/**
 * Where a `node:http` IncomingMessage keeps its lazily built header maps and the length of
 * `rawHeaders` it builds them from: internal symbols, found once by building both maps on a probe
 * message. The `headers` and `headersDistinct` getters loop to that length, not to
 * `rawHeaders.length`, so whoever shortens `rawHeaders` must lower it too, or the next build reads past
 * the end and throws.
 */
export interface NodeHeaderSlots {
  readonly headers: symbol;
  readonly headersDistinct: symbol;
  readonly count: symbol;
}

let probed: NodeHeaderSlots | null | undefined;

/** The slots, or undefined when this Node does not keep them the way we expect. */
export function nodeHeaderSlots(): NodeHeaderSlots | undefined {
  if (probed === undefined) probed = probe();
  return probed ?? undefined;
}

function probe(): NodeHeaderSlots | null {
  try {
    const message = new IncomingMessage(new Socket());
    message.rawHeaders.push('X-Probe', '1');
    const symbols = Object.getOwnPropertySymbols(message);
    const named = (description: string): symbol | undefined =>
      symbols.find((s) => s.description === description);
    const count = named('kHeadersCount');
    if (count === undefined) return null;
    const internal = message as unknown as Record<symbol, unknown>;
    internal[count] = 2;
    if (message.headers['x-probe'] !== '1' || message.headersDistinct['x-probe']?.[0] !== '1') return null;
    const after = Object.getOwnPropertySymbols(message);
    const headers = after.find((s) => s.description === 'kHeaders');
    const headersDistinct = after.find((s) => s.description === 'kHeadersDistinct');
    if (headers === undefined || headersDistinct === undefined) return null;
    if (internal[headers] !== message.headers || internal[headersDistinct] !== message.headersDistinct)
      return null;
    return { headers, headersDistinct, count };
  } catch {
    return null;
  }
}
