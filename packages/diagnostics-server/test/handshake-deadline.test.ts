import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { Registry } from 'prom-client';
import { startServer } from './support/test-server.ts';
import type { DiagnosticsServer } from '../src/index.ts';

/** Opens a plain TCP connection to the TLS port, writes `bytes`, resolves when the server closes it. */
function closedByServer(server: DiagnosticsServer, bytes: Buffer | string): Promise<true> {
  const url = new URL(server.url!);
  return new Promise((resolve) => {
    const s = netConnect({ host: url.hostname, port: Number(url.port) }, () => {
      if (bytes.length > 0) s.write(bytes);
    });
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.once('close', () => resolve(true));
  });
}

// With a 'clientError' listener installed, Node leaves a TLS handshake timeout to it; writing an
// HTTP answer into a socket whose handshake never completed kept the connection open forever (found
// by the connection-limits test: idle TCP connections could hold every slot of maxConnections). The
// deadline is tlsHandshakeTimeoutMs since issue 16 (it was headersTimeoutMs, 32 s by default).
describe('unit: connections that never finish the TLS handshake are cut by tlsHandshakeTimeoutMs', () => {
  let server: DiagnosticsServer;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, stop } = await startServer({ registry: new Registry(), tlsHandshakeTimeoutMs: 300 }));
  });
  afterAll(async () => {
    await stop();
  });

  it('closes a TCP connection that sends nothing', async () => {
    expect(await closedByServer(server, '')).toBe(true);
  });

  it('closes a connection that starts a ClientHello and stops', async () => {
    const partialHello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03]);
    expect(await closedByServer(server, partialHello)).toBe(true);
  });

  it("closes a connection that speaks plain HTTP to the TLS port (after Go's 400: go-parity.test.ts)", async () => {
    expect(await closedByServer(server, 'GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n')).toBe(true);
  });
});
