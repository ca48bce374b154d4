import { afterEach, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { GOOD, REFUSALS, startServer } from './support/test-server.ts';
import { RawConnection } from './support/raw-connection.ts';
import type { DiagnosticsServer, DiagnosticsServerOptions } from '../src/index.ts';

// The connection policy of the diagnostics port (issue 16): 256 idle TCP connections used to lock
// everyone out, a slot was held 32 s without a TLS handshake and 91 s after one 401. Deadlines here
// are short so that each test lasts a few of them; "closed" is asserted within the deadline plus a
// slack that a loaded two-core machine never needs, never as a lower bound.

const scrape = (path = '/metrics'): string =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${GOOD.Authorization}\r\n\r\n`;
const anonymous = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Far above every deadline under test: only the deadline under test can close within a test. */
const LONG = { headersTimeoutMs: 60_000, idleTimeoutMs: 60_000 };
/** Deadline + slack: the bound a "closed by the deadline" check waits for. */
const SLACK_MS = 5000;

let stopServer: (() => Promise<void>) | undefined;
const opened: RawConnection[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) c.close();
  await stopServer?.();
  stopServer = undefined;
});

async function serve(options: DiagnosticsServerOptions): Promise<DiagnosticsServer> {
  const { server, stop } = await startServer({ registry: new Registry(), ...LONG, ...options });
  stopServer = stop;
  return server;
}

async function open(server: DiagnosticsServer, localAddress?: string): Promise<RawConnection> {
  const c = await RawConnection.open(server, localAddress === undefined ? {} : { localAddress });
  opened.push(c);
  return c;
}

/** A TCP connection to the port that sends nothing; resolves once the server has accepted it. */
async function idleTcp(server: DiagnosticsServer, localAddress: string): Promise<Socket> {
  const url = new URL(server.url!);
  const socket = netConnect({ host: url.hostname, port: Number(url.port), localAddress });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** Resolves true when a TLS connection from `localAddress` is refused (closed before its handshake). */
async function refused(server: DiagnosticsServer, localAddress: string): Promise<boolean> {
  return open(server, localAddress).then(
    async (c) => {
      // Accepted: it must still answer (a refused one never completes its handshake).
      await c.write(anonymous('/healthz'));
      return (await c.answer()) === undefined;
    },
    () => true,
  );
}

describe('unit: per-source connection limit', () => {
  it('refuses a source its connections beyond maxConnectionsPerSource, and no other source', async () => {
    const server = await serve({ maxConnectionsPerSource: 2 });
    await open(server, '127.0.0.1');
    await open(server, '127.0.0.1');
    expect(await refused(server, '127.0.0.1')).toBe(true);
    expect(await refused(server, '127.0.0.2')).toBe(false);
  });

  it('counts connections that never start a handshake, and gives their slots back when they close', async () => {
    const server = await serve({ maxConnectionsPerSource: 2 });
    const idle = [await idleTcp(server, '127.0.0.1'), await idleTcp(server, '127.0.0.1')];
    expect(await refused(server, '127.0.0.1')).toBe(true);
    for (const s of idle) s.destroy();
    await sleep(100);
    expect(await refused(server, '127.0.0.1')).toBe(false);
  });

  it('keeps serving a kept-alive scraper while another source holds its limit and the global cap is hit', async () => {
    const server = await serve({ maxConnectionsPerSource: 4, maxConnections: 6 });
    const scraper = await open(server, '127.0.0.2');
    await scraper.write(scrape());
    expect((await scraper.answer())?.status).toBe(200);
    // One source at its limit, a third source takes the last slot: every slot is held.
    const attack = await Promise.all([1, 2, 3, 4].map(() => idleTcp(server, '127.0.0.1')));
    await idleTcp(server, '127.0.0.3');
    expect(await refused(server, '127.0.0.4')).toBe(true);
    for (let i = 0; i < 3; i++) {
      await scraper.write(scrape());
      const answer = await scraper.answer();
      expect(answer?.status).toBe(200);
      expect(answer?.headers.connection).toBe('keep-alive');
    }
    for (const s of attack) s.destroy();
  });
});

describe('unit: deadlines before authentication', () => {
  it('closes a connection that does not complete its TLS handshake within tlsHandshakeTimeoutMs', async () => {
    const server = await serve({ tlsHandshakeTimeoutMs: 300 });
    const tcp = await idleTcp(server, '127.0.0.1');
    const partial = await idleTcp(server, '127.0.0.1');
    // The start of a ClientHello that never ends.
    partial.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03]));
    const closed = (s: Socket): Promise<boolean> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), 300 + SLACK_MS);
        s.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    expect(await Promise.all([closed(tcp), closed(partial)])).toEqual([true, true]);
  });

  it('closes a connection that sends no request after its handshake, without an answer', async () => {
    const server = await serve({ unauthenticatedHeadersTimeoutMs: 300 });
    const c = await open(server);
    expect(await c.closedByServer(300 + SLACK_MS)).toBe(true);
    expect(c.received()).toBe('');
  });

  it('answers 408 to a request head still arriving at unauthenticatedHeadersTimeoutMs', async () => {
    const server = await serve({ unauthenticatedHeadersTimeoutMs: 300 });
    const c = await open(server);
    await c.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    const drip = setInterval(() => void c.write('a'), 50);
    try {
      expect(await c.closedByServer(300 + SLACK_MS)).toBe(true);
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      clearInterval(drip);
    }
  });

  it('holds an unauthenticated kept-alive connection for unauthenticatedHeadersTimeoutMs, not idleTimeoutMs', async () => {
    const server = await serve({ unauthenticatedHeadersTimeoutMs: 300 });
    const c = await open(server);
    // Answered without the filter (a probe, a 404): the connection is still not authenticated.
    await c.write(anonymous('/healthz'));
    const first = await c.answer();
    expect(first?.status).toBe(200);
    expect(first?.headers.connection).toBe('keep-alive');
    expect(await c.closedByServer(300 + SLACK_MS)).toBe(true);
  });

  it('holds an authenticated connection to headersTimeoutMs and idleTimeoutMs instead', async () => {
    const server = await serve({ unauthenticatedHeadersTimeoutMs: 300 });
    const c = await open(server);
    await c.write(scrape());
    expect((await c.answer())?.status).toBe(200);
    // Three times the pre-authentication deadline: an unauthenticated connection would be gone.
    expect(await c.closedByServer(900)).toBe(false);
    await c.write(scrape());
    expect((await c.answer())?.status).toBe(200);
  });

  it.each(REFUSALS)('closes the connection after answering a request $name', async ({ header, status }) => {
    const server = await serve({});
    const c = await open(server);
    await c.write(`GET /metrics HTTP/1.1\r\nHost: localhost\r\n${header}\r\n`);
    const answer = await c.answer();
    expect(answer?.status).toBe(status);
    expect(answer?.headers.connection).toBe('close');
    expect(await c.closedByServer()).toBe(true);
  });
});
