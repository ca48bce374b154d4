import type { IncomingMessage, ServerResponse } from 'node:http';
import { glogSetter } from '@kubediag/klog/internal';
import type { RequestHandler, VerbosityControl } from '../types.ts';

/** kube-apiserver's `writePlainText`: text/plain without charset, nosniff, Println (trailing newline). */
function writePlainText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(text + '\n');
}

/** Reads the whole body, or returns null once it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * `PUT /debug/flags/v` (component-base `StringFlagPutHandler(GlogSetter)`): the body is the new `-v`,
 * untrimmed; every other method gets 406 `unsupported http method`. The body is bounded: past
 * `maxBodyBytes` the answer is 413 and the connection is closed rather than drained.
 */
export function createFlagsHandler(control: VerbosityControl, maxBodyBytes: number): RequestHandler {
  return async (req, res) => {
    if (req.method !== 'PUT') return writePlainText(res, 406, 'unsupported http method');
    const declared = Number(req.headers['content-length'] ?? '0');
    let body: Buffer | null;
    if (declared > maxBodyBytes) {
      body = null;
    } else {
      try {
        body = await readBody(req, maxBodyBytes);
      } catch (err) {
        return writePlainText(
          res,
          400,
          `error reading request body: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    if (body === null) {
      res.setHeader('Connection', 'close');
      return writePlainText(res, 413, 'error reading request body: http: request body too large');
    }
    const result = glogSetter(control, body.toString('utf8'));
    writePlainText(res, result.ok ? 200 : 400, result.message);
  };
}
