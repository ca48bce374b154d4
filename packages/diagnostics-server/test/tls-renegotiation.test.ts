import { describe, expect, it } from 'vitest';
import type { TLSSocket } from 'node:tls';
import { GOOD, serverForAll } from './support/test-server.ts';
import { RawConnection } from './support/raw-connection.ts';

// Go's TLS server refuses renegotiation; Node's lets a client renegotiate three times per ten
// minutes, each a full handshake on an already admitted connection. TLS 1.3 has no renegotiation, so
// the client is held to TLS 1.2.

const scrape = `GET /metrics HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${GOOD.Authorization}\r\n\r\n`;

describe('unit: TLS renegotiation', () => {
  const started = serverForAll();

  it('fails a client-initiated renegotiation, and serves nothing more on that connection', async () => {
    const c = await RawConnection.open(started.server, { tls: { maxVersion: 'TLSv1.2' } });
    try {
      await c.write(scrape);
      expect((await c.answer())?.status).toBe(200);
      const tls = c.socket as TLSSocket;
      const renegotiated = await new Promise<string>((resolve) => {
        const started = tls.renegotiate({ rejectUnauthorized: false }, (err) =>
          resolve(err === null ? 'renegotiated' : 'failed'),
        );
        if (!started) resolve('not started');
        tls.once('close', () => resolve('closed'));
      });
      expect(renegotiated).not.toBe('renegotiated');
      // Whatever the client still sends goes nowhere: the connection is gone.
      await c.write(scrape);
      expect(await c.answer()).toBeUndefined();
      expect(await c.closedByServer()).toBe(true);
    } finally {
      c.close();
    }
  });

  it('still serves TLS 1.2 clients that do not renegotiate', async () => {
    const c = await RawConnection.open(started.server, { tls: { maxVersion: 'TLSv1.2' } });
    try {
      for (let i = 0; i < 3; i++) {
        await c.write(scrape);
        expect((await c.answer())?.status).toBe(200);
      }
    } finally {
      c.close();
    }
  });
});
