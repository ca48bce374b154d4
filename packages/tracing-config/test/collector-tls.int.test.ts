// The kubediag TLS extension against a real collector that requires mutual TLS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificateAuthority, startCollector, type RunningCollector } from '@kubediag/envtest';
import { createTracingProvider, installContextManager, TracingError } from '@kubediag/tracing-config';

let dir: string;
let pki: {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
};
let collector: RunningCollector;

beforeAll(async () => {
  installContextManager();
  dir = mkdtempSync(join(tmpdir(), 'kdiag-tracing-tls-'));
  // The collector and the provider both take PEM files: one CA signs the collector's serving
  // certificate and the operator's client certificate.
  const ca = await createTestCertificateAuthority('kubediag-tracing-test-ca');
  const server = await ca.issue(
    { commonName: 'kubediag-server' },
    { usage: 'server', ipAddresses: ['127.0.0.1'] },
  );
  const client = await ca.issue({ commonName: 'kubediag-client' });
  const file = (name: string, pem: string): string => {
    writeFileSync(join(dir, name), pem, { mode: 0o600 });
    return join(dir, name);
  };
  pki = {
    caFile: file('ca.crt', ca.certPem),
    serverCertFile: file('server.crt', server.certPem),
    serverKeyFile: file('server.key', server.keyPem),
    clientCertFile: file('client.crt', client.certPem),
    clientKeyFile: file('client.key', client.keyPem),
  };
  collector = await startCollector({
    tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, clientCaFile: pki.caFile },
  });
});
afterAll(async () => {
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS to the collector (kubediag extension)', () => {
  it('exports over mutual TLS with the CA, client certificate and key files', async () => {
    const provider = await createTracingProvider(
      { endpoint: collector.endpoint, samplingRatePerMillion: 1_000_000 },
      {
        serviceName: 'tls-operator',
        serviceInstanceId: 'tls-1',
        register: false,
        tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
      },
    );
    expect(provider.endpoint).toBe(`https://${collector.endpoint}`);
    provider.getTracer('t').startSpan('over-tls').end();
    await provider.shutdown();
    const spans = await collector.waitFor((s) =>
      s.some((x) => x.resource['service.instance.id'] === 'tls-1'),
    );
    expect(spans.filter((x) => x.resource['service.instance.id'] === 'tls-1').map((s) => s.name)).toEqual([
      'over-tls',
    ]);
  });

  it('fails closed without a client certificate, and without TLS at all', async () => {
    for (const [instance, tls] of [
      ['no-client-cert', { caFile: pki.caFile }],
      ['plaintext', undefined],
    ] as const) {
      const provider = await createTracingProvider(
        { endpoint: collector.endpoint, samplingRatePerMillion: 1_000_000 },
        {
          serviceName: 'tls-operator',
          serviceInstanceId: instance,
          register: false,
          shutdownTimeoutMs: 3000,
          exportTimeoutMs: 2000,
          ...(tls === undefined ? {} : { tls }),
        },
      );
      provider.getTracer('t').startSpan('refused').end();
      const error = await provider.shutdown().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error, instance).toBeInstanceOf(TracingError);
      expect(['KDIAG_TRACING_EXPORT_FAILED', 'KDIAG_TRACING_SHUTDOWN_TIMEOUT']).toContain(
        (error as TracingError).code,
      );
    }
    expect(collector.spans().some((x) => x.name === 'refused')).toBe(false);
  });
});
