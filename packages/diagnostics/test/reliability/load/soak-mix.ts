/**
 * The soak test's request stream: what a diagnostics port sees over a long life, valid and invalid
 * mixed — authorized scrapes, the pprof index, 401s, 403s, malformed headers, bad query parameters,
 * aborted requests, good and bad `PUT /debug/flags/v` — each class with the answers it must get.
 */
import type { Prng } from './prng.ts';
import { openConnection, type Endpoint, type RawConnection } from './raw-http.ts';

export interface SoakCredentials {
  readonly reader: string;
  readonly nobody: string;
  readonly garbage: string;
}

export interface SoakRequest {
  readonly cls: string;
  readonly bytes: string;
  readonly head: boolean;
  /** Statuses this class may get; empty for aborted requests (no answer awaited). */
  readonly expect: readonly number[];
  /** The server may reset the connection before its answer arrives (an oversized head). */
  readonly mayReset: boolean;
  /** Hang up this long after sending instead of reading an answer. */
  readonly abortAfterMs?: number;
  /** Open a new connection (a TLS handshake) and close it after this request. */
  readonly fresh: boolean;
}

const req = (method: string, path: string, headers: readonly string[], body = ''): string =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${headers.map((h) => `${h}\r\n`).join('')}` +
  `${body === '' && method !== 'PUT' ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;

export function nextSoakRequest(rng: Prng, creds: SoakCredentials, flip: () => string): SoakRequest {
  const reader = `Authorization: Bearer ${creds.reader}`;
  const fresh = rng.chance(0.1);
  const close = fresh ? ['Connection: close'] : [];
  const base = { head: false, mayReset: false, fresh };
  const cls = rng.weighted<string>([
    [34, 'scrape'],
    [8, 'pprof-index'],
    [1, 'pprof-cmdline'],
    [0.3, 'pprof-heap'],
    [12, 'unauthorized'],
    [10, 'forbidden'],
    [6, 'malformed'],
    [6, 'bad-query'],
    [5, 'aborted'],
    [4, 'flags-good'],
    [4, 'flags-bad'],
    [3, 'health'],
  ]);
  switch (cls) {
    case 'scrape':
      return {
        ...base,
        cls,
        bytes: req('GET', '/metrics', [
          reader,
          ...(rng.chance(0.5) ? ['Accept-Encoding: gzip'] : []),
          ...close,
        ]),
        expect: [200],
      };
    case 'pprof-index':
      return { ...base, cls, bytes: req('GET', '/debug/pprof/', [reader, ...close]), expect: [200] };
    case 'pprof-cmdline':
      return { ...base, cls, bytes: req('GET', '/debug/pprof/cmdline', [reader, ...close]), expect: [200] };
    case 'pprof-heap':
      // A heap profile forces a full GC; 503 when too many are queued.
      return { ...base, cls, bytes: req('GET', '/debug/pprof/heap', [reader, ...close]), expect: [200, 503] };
    case 'unauthorized': {
      const auth = rng.pick([
        [],
        [`Authorization: Bearer ${creds.garbage}`],
        ['Authorization: Basic dTpw'],
        ['Authorization: Bearer'],
      ]);
      return {
        ...base,
        cls,
        bytes: req('GET', rng.pick(['/metrics', '/debug/pprof/']), [...auth, ...close]),
        expect: [401],
      };
    }
    case 'forbidden':
      return {
        ...base,
        cls,
        bytes: req(
          rng.pick(['GET', 'PUT']),
          rng.pick(['/metrics', '/debug/pprof/', '/debug/flags/v']),
          [`Authorization: Bearer ${creds.nobody}`, ...close],
          rng.pick(['', '3']),
        ),
        expect: [403],
      };
    case 'malformed': {
      const kind = rng.int(0, 3);
      if (kind === 0)
        return { ...base, cls, bytes: req('GET', '/metrics', [reader, 'Bad Header Line']), expect: [400] };
      if (kind === 1)
        return { ...base, cls, bytes: req('GET', '/metrics', [reader, 'X-Ctl: a\u0001b']), expect: [400] };
      if (kind === 2)
        return {
          ...base,
          cls,
          bytes: req('GET', '/metrics', [reader, 'Content-Length: 1', 'Content-Length: 2']),
          expect: [400],
        };
      return {
        ...base,
        cls,
        mayReset: true,
        bytes: req('GET', '/metrics', [reader, `X-Pad: ${'p'.repeat(20_000)}`]),
        expect: [431],
      };
    }
    case 'bad-query':
      return {
        ...base,
        cls,
        bytes: req(
          'GET',
          rng.pick([
            '/debug/pprof/heap?seconds=abc',
            '/debug/pprof/allocs?seconds=-1',
            '/debug/pprof/heap?seconds=1&debug=1',
            '/debug/pprof/profile?seconds=100000',
            '/debug/pprof/allocs?seconds=0',
            '/debug/pprof/nope?debug=1',
          ]),
          [reader, ...close],
        ),
        expect: [400, 404],
      };
    case 'aborted':
      return rng.chance(0.9)
        ? {
            ...base,
            cls,
            fresh: true,
            bytes: req('GET', '/metrics', [reader]).slice(0, rng.int(5, 60)),
            expect: [],
            abortAfterMs: 0,
          }
        : // A CPU profile cut short by the client: the profiler must stop and release its lock.
          {
            ...base,
            cls,
            fresh: true,
            bytes: req('GET', '/debug/pprof/profile?seconds=5', [reader]),
            expect: [],
            abortAfterMs: 200,
          };
    case 'flags-good':
      return { ...base, cls, bytes: req('PUT', '/debug/flags/v', [reader, ...close], flip()), expect: [200] };
    case 'flags-bad': {
      const kind = rng.int(0, 2);
      if (kind === 0)
        return {
          ...base,
          cls,
          bytes: req('PUT', '/debug/flags/v', [reader, ...close], rng.pick(['abc', '-1', '', ' 4'])),
          expect: [400],
        };
      if (kind === 1)
        return {
          ...base,
          cls,
          bytes: req('PUT', '/debug/flags/v', [reader, ...close], 'x'.repeat(2000)),
          expect: [413],
        };
      return { ...base, cls, bytes: req('GET', '/debug/flags/v', [reader, ...close]), expect: [403] };
    }
    default:
      return {
        ...base,
        cls: 'health',
        bytes: req('GET', rng.pick(['/healthz', '/readyz', '/livez?verbose']), close),
        expect: [200],
      };
  }
}

export interface SoakCounts {
  /** Requests by class. */
  readonly sent: Record<string, number>;
  /** Answers by class and status (`scrape 200`, `malformed 400`, ...). */
  readonly answered: Record<string, number>;
  /** Requests whose outcome was not one their class allows. */
  unexpected: number;
  /** The first 50 of them, with what happened. */
  readonly unexpectedSamples: { cls: string; got: string }[];
  connections: number;
}

/** Runs `concurrency` clients of the soak stream until `stop()` says so; resolves once all are idle. */
export async function runSoak(
  ep: Endpoint,
  rng: Prng,
  creds: SoakCredentials,
  options: { concurrency: number; stop: () => boolean; counts: SoakCounts },
): Promise<void> {
  const { counts } = options;
  let verbosity = '4';
  const flip = (): string => (verbosity = verbosity === '4' ? '2' : '4');
  const bump = (m: Record<string, number>, k: string): void => {
    m[k] = (m[k] ?? 0) + 1;
  };

  const unexpected = (cls: string, got: string): void => {
    counts.unexpected++;
    if (counts.unexpectedSamples.length < 50) counts.unexpectedSamples.push({ cls, got });
  };

  const worker = async (): Promise<void> => {
    let conn: RawConnection | undefined;
    while (!options.stop()) {
      const r = nextSoakRequest(rng, creds, flip);
      bump(counts.sent, r.cls);
      if (r.fresh || conn === undefined || conn.closed) {
        conn?.destroy();
        counts.connections++;
        conn = await openConnection(ep).catch(() => undefined);
        if (conn === undefined) {
          unexpected(r.cls, 'connection refused');
          continue;
        }
      }
      if (r.abortAfterMs !== undefined) {
        conn.write(r.bytes);
        await new Promise((resolve) => setTimeout(resolve, r.abortAfterMs));
        conn.destroy();
        conn = undefined;
        continue;
      }
      const res = await conn.exchange(r.bytes, { head: r.head, timeoutMs: 30_000 });
      const got = res.kind === 'response' ? String(res.status) : res.kind;
      bump(counts.answered, `${r.cls} ${got}`);
      const ok =
        res.kind === 'response' ? r.expect.includes(res.status) : res.kind === 'closed' && r.mayReset;
      if (!ok) unexpected(r.cls, got);
      if (res.kind !== 'response' || !res.keepAlive) {
        conn.destroy();
        conn = undefined;
      }
    }
    conn?.destroy();
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
}
