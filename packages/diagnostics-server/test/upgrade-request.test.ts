import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { Registry } from 'prom-client';
import { startServer } from './support/test-server.ts';
import type { DiagnosticsServer } from '../src/index.ts';

/**
 * Sends a request head that asks for an upgrade, waits for the answer, then sends its body followed
 * by a second request on the same connection. Resolves with everything received within 3 s and
 * whether the server closed the connection.
 */
function upgradeThenAnother(
  server: DiagnosticsServer,
  extraHeader = '',
): Promise<{ data: string; closed: boolean }> {
  const url = new URL(server.url!);
  const body = 'x'.repeat(1000);
  return new Promise((resolve) => {
    let data = '';
    let closed = false;
    let sentRest = false;
    const s = netConnect({ host: url.hostname, port: Number(url.port) }, () =>
      s.write(
        `PATCH /nope HTTP/1.1\r\nHost: localhost\r\n${extraHeader}Connection: Upgrade\r\nUpgrade: h2c\r\n` +
          `Content-Length: ${body.length}\r\n\r\n`,
      ),
    );
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({ data, closed });
    };
    const timer = setTimeout(done, 3000);
    s.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (!sentRest && /^HTTP\/1\.1 [^]*?\r\n\r\n/.test(data)) {
        sentRest = true;
        if (!s.writableEnded) s.write(`${body}GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      }
      if ((data.match(/^HTTP\/1\.1 /gm) ?? []).length === 2) done();
    });
    s.on('error', () => undefined);
    s.once('end', () => {
      closed = true;
      done();
    });
  });
}

// Node's parser (20 and 24) never answers the next request on a connection whose previous request
// asked for an upgrade and sent its body after the answer: the connection then idles until the
// keep-alive timeout (found by the fuzz test). The port never upgrades, so it closes such a
// connection after answering and the client's next request goes on a new one.
describe('unit: a request asking for an upgrade does not strand its connection', () => {
  let server: DiagnosticsServer;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, stop } = await startServer({ registry: new Registry(), secureServing: false }));
  });
  afterAll(async () => {
    await stop();
  });

  it('answers with Connection: close and closes, rather than leaving the next request unanswered', async () => {
    const { data, closed } = await upgradeThenAnother(server);
    expect(data).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(data.split('\r\n\r\n')[0]).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(closed).toBe(true);
  });

  it('does the same when Node itself answers 417 to an Expect it cannot meet', async () => {
    const { data, closed } = await upgradeThenAnother(server, 'Expect: nothing\r\n');
    expect(data).toMatch(/^HTTP\/1\.1 417 Expectation Failed\r\n/);
    expect(data.split('\r\n\r\n')[0]).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(closed).toBe(true);
  });
});
