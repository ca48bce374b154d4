import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestCertificateAuthority, type TestKeyPair } from '@kubediag/envtest';
import type { Listener, Response } from './http.ts';

/** A serving certificate for 127.0.0.1 / localhost, and the PEM of the CA that signed it. */
export interface ServingCertificate extends TestKeyPair {
  readonly caPem: string;
}

let serving: Promise<ServingCertificate> | undefined;
/** The serving certificate of every test HTTPS server, made once per test file. */
export function servingCertificate(): Promise<ServingCertificate> {
  serving ??= (async () => {
    const ca = await createTestCertificateAuthority('test-serving-ca');
    const leaf = await ca.issue(
      { commonName: 'localhost' },
      { usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    );
    return { ...leaf, caPem: ca.certPem };
  })();
  return serving;
}

/**
 * An HTTPS server that asks for (but does not require or itself verify) client certificates, as
 * @kubediag/diagnostics-server does when a client CA is configured: the filter verifies.
 */
export async function listenTls(
  listener: Listener,
): Promise<{ url: string; server: https.Server; close: () => Promise<void> }> {
  const cert = await servingCertificate();
  const server = https.createServer(
    { cert: cert.certPem, key: cert.keyPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => void listener(req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function requestTls(
  url: string,
  init: { method?: string; headers?: Record<string, string>; clientCert?: TestKeyPair } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const r = https.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers ?? {},
        rejectUnauthorized: false,
        agent: false,
        ...(init.clientCert === undefined
          ? {}
          : { cert: init.clientCert.certPem, key: init.clientCert.keyPem }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}
