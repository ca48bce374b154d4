import { describe, expect, it } from 'vitest';
import { GOOD, REFUSALS, serverForAll } from './support/test-server.ts';
import { RawConnection } from './support/raw-connection.ts';

// Node answers `Expect: 100-continue` with `100 Continue` as soon as it parsed the head, so an
// unauthenticated client was invited to send its body, which was then read (up to 256 KiB) after its
// 401. Go sends 100 only when the handler reads the body; an unauthenticated client gets its 401 with
// `Connection: close` and never sends the body.

const BODY_BYTES = 1000;
const expecting = (method: string, path: string, auth: string): string =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${auth}Expect: 100-continue\r\n` +
  `Content-Length: ${BODY_BYTES}\r\n\r\n`;

describe('unit: Expect: 100-continue', () => {
  const started = serverForAll();

  it.each(REFUSALS)(
    'answers a request $name without 100 Continue, with Connection: close',
    async ({ header, status }) => {
      const c = await RawConnection.open(started.server);
      try {
        // The client waits for 100 before it sends the body, as curl does.
        await c.write(expecting('POST', '/metrics', header));
        const answer = await c.answer();
        expect(answer?.status).toBe(status);
        expect(answer?.headers.connection).toBe('close');
        expect(await c.closedByServer()).toBe(true);
        expect(c.received()).not.toContain('100 Continue');
      } finally {
        c.close();
      }
    },
  );

  it('sends 100 Continue once an allowed handler reads the body, and keeps the connection', async () => {
    const c = await RawConnection.open(started.server);
    try {
      await c.write(
        `PUT /debug/flags/v HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${GOOD.Authorization}\r\n` +
          'Expect: 100-continue\r\nContent-Length: 1\r\n\r\n',
      );
      expect((await c.answer())?.status).toBe(100);
      await c.write('3');
      const answer = await c.answer();
      expect([answer?.status, answer?.body]).toEqual([200, 'successfully set klog.logging.verbosity to 3\n']);
      expect(answer?.headers.connection).toBe('keep-alive');
    } finally {
      c.close();
    }
  });

  it('does not send 100 Continue when the allowed handler ignores the body, and closes as Go does', async () => {
    const c = await RawConnection.open(started.server);
    try {
      await c.write(expecting('GET', '/metrics', `Authorization: ${GOOD.Authorization}\r\n`));
      const answer = await c.answer();
      expect(answer?.status).toBe(200);
      expect(answer?.headers.connection).toBe('close');
      expect(c.received()).not.toContain('100 Continue');
    } finally {
      c.close();
    }
  });
});
