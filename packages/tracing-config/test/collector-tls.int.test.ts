// The kubediag TLS extension against a real collector that requires mutual TLS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracingProvider, installContextManager, TracingConfigError } from '@kubediag/tracing-config';
import { startCollector, type Collector } from './support/otelcol.ts';
import { createTestPki, type TestPki } from './support/pki.ts';

let dir: string;
let pki: TestPki;
let collector: Collector;

beforeAll(async () => {
  installContextManager();
  dir = mkdtempSync(join(tmpdir(), 'kdiag-tracing-tls-'));
  pki = createTestPki(dir);
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
    const provider = createTracingProvider(
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
      const provider = createTracingProvider(
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
      expect(error, instance).toBeInstanceOf(TracingConfigError);
      expect(['KDIAG_TRACING_EXPORT_FAILED', 'KDIAG_TRACING_SHUTDOWN_TIMEOUT']).toContain(
        (error as TracingConfigError).code,
      );
    }
    expect(collector.spans().some((x) => x.name === 'refused')).toBe(false);
  });
});
