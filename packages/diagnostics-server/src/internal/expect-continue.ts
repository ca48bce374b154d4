import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests that asked for `Expect: 100-continue` and have not been told to continue yet. */
const awaiting = new WeakSet<IncomingMessage>();

/**
 * Node sends `100 Continue` as soon as the head is parsed, unless the server listens to
 * 'checkContinue'; the server listens, and marks the request here instead of continuing it.
 */
export function holdContinue(req: IncomingMessage): void {
  awaiting.add(req);
}

/**
 * Sends `100 Continue` when the handler starts reading the body, as Go's net/http does
 * (expectContinueReader). Called only once a request reaches a filtered route's handler, so an
 * unauthenticated or denied client never gets it and never sends its body: its answer carries
 * `Connection: close` (Node's rule for a 100 it never sent) and the body is not read.
 */
export function continueWhenRead(req: IncomingMessage, res: ServerResponse): void {
  if (!awaiting.has(req)) return;
  awaiting.delete(req);
  const read = req._read.bind(req);
  // Readable calls _read when a consumer asks for data ('data' listener, read(), pipe, resume).
  req._read = (size: number): void => {
    delete (req as Partial<Pick<IncomingMessage, '_read'>>)._read;
    if (!res.headersSent && !res.writableEnded) res.writeContinue();
    read(size);
  };
}
