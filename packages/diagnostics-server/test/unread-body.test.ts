import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { Registry } from 'prom-client';
import { GOOD, REFUSALS, serverForAll, startServer } from './support/test-server.ts';
import { RawConnection } from './support/raw-connection.ts';
import { MAX_UNREAD_BODY_BYTES } from '../src/internal/unread-body.ts';
import type { DiagnosticsServer, DiagnosticsServerOptions } from '../src/index.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n';

interface Mode {
  name: string;
  options: DiagnosticsServerOptions;
  /** A request whose body nothing reads, its credentials, and the answer it gets. */
  method: 'POST' | 'GET';
  headers: Readonly<Record<string, string>>;
  status: number;
}

const MODES: Mode[] = [
  // The filter allows it, and the /metrics handler never reads a body. (A refused request closes its
  // connection whatever its body: see the test after these.)
  {
    name: 'secure: /metrics, allowed, ignores the body',
    options: {},
    method: 'GET',
    headers: GOOD,
    status: 200,
  },
  {
    name: 'insecure: /metrics ignores the body',
    options: { secureServing: false, filterProvider: null },
    method: 'GET',
    headers: {},
    status: 200,
  },
];

// Go's net/http, which controller-runtime's and Cluster API's diagnostics port run on: after the
// handler, an unread body under 256 KiB is read and dropped and the connection kept; a larger one, or
// one whose length is unknown, is not read: the answer says `Connection: close` and the server hangs up.
// Before this, every unread body closed the connection after an answer that said keep-alive, so a
// keep-alive client sent its next request into a closed connection; and a 404 read any body to its end.
describe.each(MODES)('unit: a request body nobody reads ($name)', (mode) => {
  let server: DiagnosticsServer;
  let stop: () => Promise<void>;
  /** The server side of each connection that asked for /healthz. */
  const sockets: Socket[] = [];

  beforeAll(async () => {
    ({ server, stop } = await startServer({ registry: new Registry(), ...mode.options }));
    server.addHealthzCheck('socket', (req) => {
      sockets.push(req.socket);
    });
  });
  afterAll(async () => {
    await stop();
  });

  const credentials = Object.entries(mode.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const head = (path: string, header: string): string =>
    `${mode.method} ${path} HTTP/1.1\r\nHost: localhost\r\n${credentials}${header}\r\n\r\n`;

  // Larger than the request's buffer, so the body is still arriving when the answer is written (a
  // small body sent with the head may be complete by then: there was nothing to settle).
  it.each([200 * KiB, MAX_UNREAD_BODY_BYTES - 1])(
    'drops an unread %i-byte body and keeps the connection',
    async (size) => {
      const c = await RawConnection.open(server);
      try {
        void c.write(head('/metrics', `Content-Length: ${size}`) + 'b'.repeat(size));
        const first = await c.answer();
        expect(first?.status).toBe(mode.status);
        expect(first?.headers.connection).toBe('keep-alive');
        void c.write(HEALTHZ);
        expect((await c.answer())?.status).toBe(200);
      } finally {
        c.close();
      }
    },
  );

  it('keeps the connection when the body arrives after the answer', async () => {
    const c = await RawConnection.open(server);
    try {
      await c.write(head('/metrics', 'Content-Length: 4096') + 'b'.repeat(256));
      const first = await c.answer();
      expect(first?.status).toBe(mode.status);
      expect(first?.headers.connection).toBe('keep-alive');
      for (let sent = 256; sent < 4096; sent += 256) {
        expect(await c.write('b'.repeat(256))).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      void c.write(HEALTHZ);
      expect((await c.answer())?.status).toBe(200);
    } finally {
      c.close();
    }
  });

  it.each([MAX_UNREAD_BODY_BYTES, 1 * MiB])(
    'answers Connection: close to an unread %i-byte body, then closes',
    async (size) => {
      const c = await RawConnection.open(server);
      try {
        void c.write(head('/metrics', `Content-Length: ${size}`) + 'b'.repeat(size));
        const first = await c.answer();
        expect(first?.status).toBe(mode.status);
        expect(first?.headers.connection).toBe('close');
        expect(await c.closedByServer()).toBe(true);
      } finally {
        c.close();
      }
    },
  );

  it('answers Connection: close to a chunked body still arriving, then closes', async () => {
    const c = await RawConnection.open(server);
    try {
      // One chunk and no last chunk: the rest of the body has no known length.
      await c.write(head('/metrics', 'Transfer-Encoding: chunked') + `400\r\n${'b'.repeat(1024)}\r\n`);
      const first = await c.answer();
      expect(first?.status).toBe(mode.status);
      expect(first?.headers.connection).toBe('close');
      expect(await c.closedByServer()).toBe(true);
    } finally {
      c.close();
    }
  });

  it('does not read a large body sent to an unknown path', async () => {
    const c = await RawConnection.open(server);
    try {
      await c.write(HEALTHZ);
      expect((await c.answer())?.status).toBe(200);
      const serverSide = sockets.at(-1)!;
      const before = serverSide.bytesRead;
      const size = 32 * MiB;
      await c.write(head('/nope', `Content-Length: ${size}`));
      const taken = c.pump(size);
      const first = await c.answer();
      expect(first?.status).toBe(404);
      expect(first?.headers.connection).toBe('close');
      expect(await c.closedByServer()).toBe(true);
      await taken;
      // The server stops reading once its buffers are full (tens of KiB past the answer).
      expect(serverSide.bytesRead - before).toBeLessThan(1 * MiB);
    } finally {
      c.close();
    }
  });

  it('lets a keep-alive node:http client reuse its connection after an upload nobody reads', async () => {
    const url = new URL(server.url!);
    const secure = url.protocol === 'https:';
    const agent = secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false })
      : new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const body = Buffer.alloc(100 * KiB, 'b');
    const upload = (): Promise<{ status: number; reused: boolean }> =>
      new Promise((resolve, reject) => {
        const req = (secure ? httpsRequest : httpRequest)({
          host: url.hostname,
          port: url.port,
          method: mode.method,
          path: '/metrics',
          // Set, not left to node:http: it sends a GET body without any framing.
          headers: { ...mode.headers, 'Content-Length': String(body.length) },
          agent,
        });
        req.once('error', reject);
        req.once('response', (res: IncomingMessage) => {
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.end(body);
      });
    try {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await upload());
      expect(results).toEqual([
        { status: mode.status, reused: false },
        { status: mode.status, reused: true },
        { status: mode.status, reused: true },
      ]);
    } finally {
      agent.destroy();
    }
  });
});

// A refused request (401 without a token, 403 denied) closes its connection: Go's server kept it
// alive, and a client that was refused held its slot for the whole idle timeout (91 s measured).
// Its body is never read to keep the connection.
describe('unit: a refused request body', () => {
  const started = serverForAll();

  it.each(REFUSALS)(
    'answers a request $name with Connection: close and does not read the body',
    async ({ header, status }) => {
      const c = await RawConnection.open(started.server);
      try {
        const size = 200 * KiB;
        await c.write(
          `POST /metrics HTTP/1.1\r\nHost: localhost\r\n${header}Content-Length: ${size}\r\n\r\n`,
        );
        const first = await c.answer();
        expect(first?.status).toBe(status);
        expect(first?.headers.connection).toBe('close');
        // Go's length, not chunked (writeGoHttpError).
        expect(first?.headers['content-length']).toBe(String(first?.body.length));
        expect(await c.closedByServer()).toBe(true);
      } finally {
        c.close();
      }
    },
  );
});
