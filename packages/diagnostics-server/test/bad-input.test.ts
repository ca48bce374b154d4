import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Registry } from 'prom-client';
import { call } from './support/http-client.ts';
import { GOOD, startServer, type FilterRecord } from './support/test-server.ts';
import type { DiagnosticsServer } from '../src/index.ts';

/** Opens a raw TLS connection and resolves with everything the server sent until it closed. */
function rawExchange(
  server: DiagnosticsServer,
  write: (s: TLSSocket) => void,
): Promise<{ data: string; closed: boolean }> {
  const url = new URL(server.url!);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () =>
      write(s),
    );
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? resolve({ data, closed: true }) : reject(err),
    );
    s.once('close', () => resolve({ data, closed: true }));
  });
}

describe('unit: bad input gets a clear status and nothing crashes', () => {
  let server: DiagnosticsServer;
  let records: FilterRecord[];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, records, stop } = await startServer({
      registry: new Registry(),
      maxHeaderSize: 4096,
      headersTimeoutMs: 300,
      // Far above the test timeout: only the header deadline can end a slow request within the test.
      maxProfileSeconds: 60,
      requestTimeoutMs: 120_000,
    }));
  });
  afterAll(async () => {
    await stop();
  });

  it('answers 431 to an oversized request head', async () => {
    const r = await call(server, { path: '/metrics', headers: { ...GOOD, 'X-Big': 'a'.repeat(8192) } }).catch(
      (err: unknown) => err as Error,
    );
    // Node answers 431 and closes; some timings surface as a reset after the status was sent.
    if (r instanceof Error) expect(r.message).toMatch(/ECONNRESET|socket hang up/);
    else expect(r.status).toBe(431);
  });

  it('closes a slowloris connection once the header timeout passes', async () => {
    const result = await rawExchange(server, (s) => {
      s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      const t = setInterval(() => {
        if (s.writable) s.write('X-Slow: 1\r\n');
        else clearInterval(t);
      }, 100);
      s.once('close', () => clearInterval(t));
    });
    expect(result.closed).toBe(true);
    expect(result.data).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('closes a connection that sends nothing after the handshake', async () => {
    const result = await rawExchange(server, () => undefined);
    expect(result.closed).toBe(true);
  });

  it('answers 413 to a huge PUT body and stays up', async () => {
    const r = await call(server, {
      method: 'PUT',
      path: '/debug/flags/v',
      headers: GOOD,
      body: Buffer.alloc(1024 * 1024, '7'),
    });
    expect(r.status).toBe(413);
    expect((await call(server, { path: '/healthz' })).status).toBe(200);
  });

  it('answers 413 to a chunked PUT body that grows past the limit', async () => {
    const result = await rawExchange(server, (s) => {
      s.write(
        'PUT /debug/flags/v HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      for (let i = 0; i < 4; i++) s.write(`400\r\n${'1'.repeat(1024)}\r\n`);
    });
    expect(result.data).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('ignores a body sent to /metrics and answers normally', async () => {
    const body = 'x'.repeat(100_000);
    const r = await call(server, {
      method: 'GET',
      path: '/metrics',
      headers: { ...GOOD, 'Content-Length': String(body.length) },
      body,
    });
    expect(r.status).toBe(200);
  });

  it('answers 400 to a malformed request line', async () => {
    const result = await rawExchange(server, (s) => s.write('GARBAGE\r\n\r\n'));
    expect(result.data).toMatch(/^HTTP\/1\.1 400 /);
  });

  // Go serves a request to its end before it answers the bad one behind it. The response before a bad
  // request counts as in flight until its 'close': it must neither be cut nor overtaken by the 400.
  it('answers 400 to a malformed request pipelined behind a good one, after the good one', async () => {
    const result = await rawExchange(server, (s) =>
      s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n`),
    );
    expect(result.data).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok[\s\S]*HTTP\/1\.1 400 Bad Request\r\n/,
    );
  });

  it('answers 400 to a malformed request sent once the response before it has arrived', async () => {
    const result = await rawExchange(server, (s) => {
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      s.once('data', () => s.write('GARBAGE\r\n\r\n'));
    });
    expect(result.data).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('answers 400 to OPTIONS * and other non-path targets', async () => {
    const result = await rawExchange(server, (s) => s.write('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(result.data).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('passes odd query parameters through to the handler without crashing', async () => {
    for (const q of ['?seconds=abc', '?debug=-1', '?%zz', '?a=%E0%A4%A', '?verbose&exclude=%00']) {
      const r = await call(server, { path: `/healthz${q}` });
      expect(r.status).toBe(200);
      const p = await call(server, { path: `/debug/pprof/profile${q}`, headers: GOOD });
      expect(p.status).toBe(200);
    }
    expect(records.length).toBeGreaterThan(0);
  });

  it.each([
    ['/metrics', 200, 204],
    ['/debug/flags/v', 406, 406],
    ['/debug/pprof/', 200, 204],
    ['/debug/pprof/heap', 200, 204],
    ['/healthz', 200, 204],
    ['/livez/ping', 200, 204],
    ['/readyz', 200, 204],
    ['/statusz', 200, 204],
    ['/flagz', 200, 204],
    ['/nope', 404, 404],
  ])('answers HEAD and OPTIONS on %s with %i and %i', async (path, head, opts) => {
    const h = await call(server, { method: 'HEAD', path, headers: GOOD });
    expect(h.status).toBe(head);
    expect(h.body).toBe('');
    const o = await call(server, { method: 'OPTIONS', path, headers: GOOD });
    expect(o.status).toBe(opts);
    if (opts === 204) expect(o.headers.allow).toMatch(/GET, HEAD/);
  });

  it('answers 405 with Allow to a method a route does not take', async () => {
    const r = await call(server, { method: 'DELETE', path: '/debug/pprof/heap', headers: GOOD });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('cuts a response that outlives requestTimeoutMs', async () => {
    const { server: slow, stop: stopSlow } = await startServer({
      registry: new Registry(),
      maxProfileSeconds: 1,
      requestTimeoutMs: 1200,
      headersTimeoutMs: 500,
      pprofHandler: () => new Promise(() => undefined),
    });
    try {
      const r = await call(slow, { path: '/debug/pprof/profile?seconds=5', headers: GOOD }).catch(
        (err: unknown) => err,
      );
      expect(r).toBeInstanceOf(Error);
    } finally {
      await stopSlow();
    }
  });
});
