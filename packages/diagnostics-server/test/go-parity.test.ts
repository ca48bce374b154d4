import { describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { GOOD, REFUSALS, serverForAll } from './support/test-server.ts';
import { RawConnection } from './support/raw-connection.ts';

// Answers Go's net/http gives before any handler runs, which controller-runtime's port (and its probe
// port) therefore gives too. The expected bytes were read off the controller-runtime peer
// (bench/peers/controller-runtime); go-parity.int.test.ts compares both servers side by side.

const GO_PLAIN_HTTP = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';
const goRefusal = (text: string): string =>
  `HTTP/1.1 ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}`;
const GO_505 = goRefusal('505 HTTP Version Not Supported: unsupported protocol version');

/** Sends `bytes` over plain TCP to `url`'s port; resolves with all the server sent once it closed. */
function plainExchange(url: string, bytes: readonly string[]): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = netConnect({ host: u.hostname, port: Number(u.port) }, () => {
      // One piece at a time, each once the kernel took the one before: the server sees them apart.
      void (async () => {
        for (const piece of bytes) {
          await new Promise((written) => socket.write(piece, written));
          await new Promise((later) => setTimeout(later, 20));
        }
      })();
    });
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? resolve(data) : reject(err),
    );
    socket.once('close', () => resolve(data));
  });
}

/** Sends `head` on a new connection and resolves with every byte received until the server closed it. */
async function exchange(url: string, head: string): Promise<{ received: string; closed: boolean }> {
  const c = await RawConnection.openUrl(url);
  try {
    await c.write(head);
    const closed = await c.closedByServer();
    return { received: c.received().replace(/^Date: [^\r]*\r\n/m, ''), closed };
  } finally {
    c.close();
  }
}

describe('unit: Go parity of the diagnostics port', () => {
  const started = serverForAll({ healthProbeBindAddress: '127.0.0.1:0' });

  it.each([
    ['GET', 'GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['OPTIONS', 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n'],
  ])(
    "answers plain HTTP (%s) sent to the TLS port with Go's 400, unencrypted, then closes",
    async (_m, head) => {
      expect(await plainExchange(started.server.url!, [head])).toBe(GO_PLAIN_HTTP);
    },
  );

  it('recognizes plain HTTP arriving a byte at a time', async () => {
    expect(await plainExchange(started.server.url!, ['G', 'E', 'T', ' ', '/metrics HTTP/1.1\r\n\r\n'])).toBe(
      GO_PLAIN_HTTP,
    );
  });

  it('closes without an answer what is neither TLS nor one of the five starts Go recognizes', async () => {
    expect(
      await plainExchange(started.server.url!, ['DELETE /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n']),
    ).toBe('');
  });

  it.each(['HTTP/2.0', 'HTTP/3.0', 'HTTP/0.9'])(
    "answers a %s request line with Go's 505 and closes",
    async (v) => {
      const r = await exchange(
        started.server.url!,
        `GET /metrics ${v}\r\nHost: localhost\r\n${GOOD_HEADER}\r\n`,
      );
      expect(r).toEqual({ received: GO_505, closed: true });
    },
  );

  it("answers two Host headers with Go's bare 400 and closes", async () => {
    const r = await exchange(
      started.server.url!,
      `GET /metrics HTTP/1.1\r\nHost: a\r\nHost: a\r\n${GOOD_HEADER}\r\n`,
    );
    expect(r).toEqual({ received: goRefusal('400 Bad Request'), closed: true });
  });

  it.each(['a b', 'a<b', 'user@localhost', 'ex\u00e4mple'])(
    'answers Host %j as malformed and closes',
    async (host) => {
      const r = await exchange(
        started.server.url!,
        `GET /metrics HTTP/1.1\r\nHost: ${host}\r\n${GOOD_HEADER}\r\n`,
      );
      expect(r).toEqual({ received: goRefusal('400 Bad Request: malformed Host header'), closed: true });
    },
  );

  it('answers an HTTP/1.1 request without Host as Go does, and serves HTTP/1.0 without one', async () => {
    const missing = await exchange(started.server.url!, `GET /metrics HTTP/1.1\r\n${GOOD_HEADER}\r\n`);
    expect(missing).toEqual({
      received: goRefusal('400 Bad Request: missing required Host header'),
      closed: true,
    });
    const c = await RawConnection.open(started.server);
    try {
      await c.write(`GET /metrics HTTP/1.0\r\n${GOOD_HEADER}\r\n`);
      expect((await c.answer())?.status).toBe(200);
    } finally {
      c.close();
    }
  });

  it('serves a valid Host, an empty one, and IP literals', async () => {
    for (const host of ['localhost:8443', '', '[::1]:8443', '127.0.0.1']) {
      const c = await RawConnection.open(started.server);
      try {
        await c.write(`GET /metrics HTTP/1.1\r\nHost: ${host}\r\n${GOOD_HEADER}\r\n`);
        expect((await c.answer())?.status, host).toBe(200);
      } finally {
        c.close();
      }
    }
  });

  it.each(REFUSALS)(
    'sends the answer to a request $name with Content-Length, as Go sets it, not chunked',
    async ({ header, status }) => {
      const c = await RawConnection.open(started.server);
      try {
        await c.write(`GET /metrics HTTP/1.1\r\nHost: localhost\r\n${header}\r\n`);
        const answer = await c.answer();
        expect(answer?.status).toBe(status);
        expect(answer?.headers['transfer-encoding']).toBeUndefined();
        expect(answer?.headers['content-length']).toBe(String(answer?.body.length));
        expect(answer?.body).toMatch(/^(Unauthorized|Authorization denied for user bob)\n$/);
      } finally {
        c.close();
      }
    },
  );

  it('gives the probe listener the same answers to HTTP/2.0 and to a malformed Host', async () => {
    const probes = started.server.healthProbeUrl!;
    expect(await exchange(probes, 'GET /healthz HTTP/2.0\r\nHost: localhost\r\n\r\n')).toEqual({
      received: GO_505,
      closed: true,
    });
    expect(await exchange(probes, 'GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n')).toEqual({
      received: goRefusal('400 Bad Request: malformed Host header'),
      closed: true,
    });
  });
});

const GOOD_HEADER = `Authorization: ${GOOD.Authorization}\r\n`;
