import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as tlsConnect } from 'node:tls';
import { Registry } from 'prom-client';
import { startServer, type FilterRecord } from './support/test-server.ts';
import type { DiagnosticsServer } from '../src/index.ts';

/** Sends a raw CONNECT request and resolves with everything the server sent before closing. */
function connectRequest(server: DiagnosticsServer, target: string): Promise<string> {
  const url = new URL(server.url!);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () =>
      s.write(`CONNECT ${target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer good\r\n\r\n`),
    );
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.once('error', reject);
    s.once('close', () => resolve(data));
  });
}

// Node routes CONNECT to 'connect' listeners, not to the request handler; without one it used to
// drop the connection with no answer at all.
describe('unit: CONNECT is answered like TRACE, before the filter', () => {
  let server: DiagnosticsServer;
  let records: FilterRecord[];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, records, stop } = await startServer({ registry: new Registry() }));
  });
  afterAll(async () => {
    await stop();
  });

  it('answers 405 with Allow on a route, and closes the connection', async () => {
    for (const path of ['/metrics', '/debug/flags/v', '/debug/pprof/heap', '/healthz']) {
      const reply = await connectRequest(server, path);
      expect(reply).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
      expect(reply).toMatch(/\r\nAllow: [A-Z, ]+\r\n/);
      expect(reply).toMatch(/\r\nConnection: close\r\n/);
      expect(reply.endsWith('\r\n\r\nmethod not allowed\n')).toBe(true);
    }
    expect(records).toEqual([]);
  });

  it('answers 404, 301 and 400 where TRACE would', async () => {
    expect(await connectRequest(server, '/nope')).toMatch(
      /^HTTP\/1\.1 404 Not Found\r\n[^]*404 page not found\n$/,
    );
    expect(await connectRequest(server, '//metrics')).toMatch(
      /^HTTP\/1\.1 301 Moved Permanently\r\nLocation: \/metrics\r\n/,
    );
    expect(await connectRequest(server, 'localhost:443')).toMatch(
      /^HTTP\/1\.1 400 Bad Request\r\n[^]*invalid request target\n$/,
    );
    expect(records).toEqual([]);
  });

  it('does not leave the connection open behind an unread body (stop() still completes)', async () => {
    const own = await startServer({ registry: new Registry() });
    const url = new URL(own.server.url!);
    const body = 'x'.repeat(200_000);
    await new Promise<void>((resolve) => {
      const s = tlsConnect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () =>
        s.write(
          `CONNECT /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        ),
      );
      s.on('data', () => s.destroy());
      s.on('error', () => undefined);
      s.once('close', () => resolve());
    });
    // A connection Node no longer reads never sees the client leave: server.close() would wait forever.
    await own.stop();
  }, 15_000);
});
