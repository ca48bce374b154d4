import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestCertificateAuthority } from '../src/index.ts';

describe('createTestCertificateAuthority', () => {
  it('issues leaves the CA verifies, with CN as user and one O per group', async () => {
    const ca = await createTestCertificateAuthority('unit-ca');
    const alice = await ca.issue({ commonName: 'alice', organizations: ['devs', 'ops'] });
    const cert = new X509Certificate(alice.certPem);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.subject.split('\n')).toEqual(['CN=alice', 'O=devs', 'O=ops']);
    expect(cert.ca).toBe(false);
    // Each PEM ends its last line, so that a CA bundle can be made by concatenation.
    for (const pem of [ca.certPem, ca.keyPem, alice.certPem, alice.keyPem])
      expect(pem.endsWith('-----\n')).toBe(true);
    expect(new X509Certificate(ca.certPem).ca).toBe(true);
  });

  it('gives subjects without a CN and certificates that have expired', async () => {
    const ca = await createTestCertificateAuthority();
    const noUser = new X509Certificate((await ca.issue({ organizations: ['system:masters'] })).certPem);
    expect(noUser.subject).toBe('O=system:masters');
    const past = new Date(Date.now() - 3600_000);
    const expired = await ca.issue({ commonName: 'late' }, { notBefore: new Date(0), notAfter: past });
    expect(new Date(new X509Certificate(expired.certPem).validTo).getTime()).toBeLessThan(Date.now());
  });

  it('serving certificates complete a verified TLS handshake to 127.0.0.1 with client certificates', async () => {
    const ca = await createTestCertificateAuthority();
    const serving = await ca.issue(
      { commonName: 'localhost' },
      { usage: 'server', ipAddresses: ['127.0.0.1'] },
    );
    const client = await ca.issue({ commonName: 'bob' });
    const server = createServer(
      { cert: serving.certPem, key: serving.keyPem, ca: ca.certPem, requestCert: true },
      (s) => s.end((s.getPeerCertificate().subject as { CN?: string }).CN ?? ''),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket: TLSSocket = connect({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        ca: ca.certPem,
        cert: client.certPem,
        key: client.keyPem,
      });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      await once(socket, 'end');
      expect(socket.authorized).toBe(true);
      expect(text).toBe('bob');
    } finally {
      server.close();
    }
  });
});
