/**
 * Sends a stream of generated raw requests over a few concurrent connections and records, per case,
 * how the exchange ended. Cases are generated in order from one PRNG (generation is synchronous, so
 * the interleaving of the workers does not change the stream).
 */
import { generateCase, type FuzzCase, type FuzzCredentials } from './fuzz-cases.ts';
import type { Prng } from './prng.ts';
import { openConnection, type Endpoint, type RawConnection } from './raw-http.ts';

export type Outcome = 'response' | 'closed' | 'timeout' | 'aborted' | 'refused';

/** What is kept of one case (not its bytes: 100k of them would not fit comfortably). */
export interface CaseRecord {
  readonly id: string;
  readonly method: string;
  /** The request target, cut to 300 characters. */
  readonly target: string;
  readonly carriesReader: boolean;
  readonly label: string;
  readonly outcome: Outcome;
  /** The exchange was retried on a fresh connection after the server closed a reused one. */
  readonly retried: boolean;
  /** Bytes of the request as sent. */
  readonly size: number;
  /** Which client connection carried it (in order of opening), for replaying a sequence. */
  readonly connection: number;
  /** No HTTP version in the request line (see FuzzCase). */
  readonly noVersion: boolean;
  readonly status?: number;
  /** The first 200 bytes of the body. */
  readonly body?: string;
  /** The response's Retry-After, which only the filter's refusals carry (a HEAD answer has no body to tell). */
  readonly retryAfter?: string;
}

export interface FuzzRun {
  readonly records: Map<string, CaseRecord>;
  readonly connections: number;
  readonly elapsedMs: number;
}

/** Longer than any bound the server under test has (header, request timeout): a client timeout is a finding. */
const EXCHANGE_GUARD_MS = 30_000;

export async function runFuzz(
  ep: Endpoint,
  rng: Prng,
  creds: FuzzCredentials,
  options: { count: number; concurrency: number },
): Promise<FuzzRun> {
  const records = new Map<string, CaseRecord>();
  let next = 0;
  let connections = 0;
  const started = performance.now();

  const record = (
    c: FuzzCase,
    connection: number,
    outcome: Outcome,
    status?: number,
    body?: Buffer,
    retried = false,
    retryAfter?: string,
  ): void => {
    records.set(c.id, {
      id: c.id,
      method: c.method,
      target: c.target.slice(0, 300),
      carriesReader: c.carriesReader,
      label: c.label,
      outcome,
      retried,
      size: c.bytes.length,
      connection,
      noVersion: c.noVersion,
      ...(status === undefined ? {} : { status }),
      ...(body === undefined ? {} : { body: body.subarray(0, 200).toString('utf8') }),
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  };

  const connect = async (): Promise<RawConnection | undefined> => {
    connections++;
    try {
      return await openConnection(ep);
    } catch {
      return undefined;
    }
  };

  const worker = async (): Promise<void> => {
    let conn: RawConnection | undefined;
    let used = 0;
    let connId = 0;
    while (next < options.count) {
      const c = generateCase(rng, next++, creds);
      let retried = false;
      for (;;) {
        if (c.fresh || retried || conn === undefined || conn.closed) {
          conn?.destroy();
          connId = connections + 1;
          conn = await connect();
          used = 0;
        }
        if (conn === undefined) {
          record(c, connId, 'refused');
          break;
        }
        if (c.abort) {
          conn.write(c.bytes);
          const aborted = conn;
          setImmediate(() => aborted.destroy());
          conn = undefined;
          record(c, connId, 'aborted');
          break;
        }
        const r = await conn.exchange(c.bytes, { head: c.method === 'HEAD', timeoutMs: EXCHANGE_GUARD_MS });
        used++;
        if (r.kind === 'closed' && used > 1 && !retried) {
          // The server closed a kept-alive connection as the request went out (after a response
          // whose request body it did not read, or at its idle timeout): retry once on a new
          // connection, as HTTP clients do.
          retried = true;
          continue;
        }
        if (r.kind === 'response')
          record(c, connId, 'response', r.status, r.body, retried, r.headers.get('retry-after')?.[0]);
        else record(c, connId, r.kind, undefined, r.received, retried);
        if (r.kind !== 'response' || !r.keepAlive) {
          conn.destroy();
          conn = undefined;
        }
        break;
      }
    }
    conn?.destroy();
  };

  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return { records, connections, elapsedMs: performance.now() - started };
}
