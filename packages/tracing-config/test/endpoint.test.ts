import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toExporterTarget } from '../src/endpoint.ts';

describe('toExporterTarget', () => {
  it('maps Kubernetes gRPC targets to the OTLP exporter URL, plain gRPC by default', () => {
    expect(toExporterTarget(undefined, false)).toEqual({ url: 'http://localhost:4317', tls: false });
    expect(toExporterTarget('collector:4317', false).url).toBe('http://collector:4317');
    expect(toExporterTarget('[::1]:4317', false).url).toBe('http://[::1]:4317');
    expect(toExporterTarget('dns:///collector:4317', false).url).toBe('http://collector:4317');
    expect(toExporterTarget('dns://8.8.8.8/collector:4317', false).url).toBe('http://collector:4317');
  });

  it('uses https:// only with the TLS extension', () => {
    expect(toExporterTarget('collector:4317', true)).toEqual({ url: 'https://collector:4317', tls: true });
  });

  it('maps unix targets to absolute unix:/// URLs', () => {
    expect(toExporterTarget('unix:///run/otel.sock', false).url).toBe('unix:///run/otel.sock');
    expect(toExporterTarget('unix:/run/otel.sock', false).url).toBe('unix:///run/otel.sock');
    expect(toExporterTarget('unix:otel.sock', false).url).toBe(`unix://${resolve('otel.sock')}`);
  });

  it('refuses what the Node.js exporter cannot dial', () => {
    expect(() => toExporterTarget('unix-abstract:///otel', false)).toThrow(
      expect.objectContaining({ code: 'KDIAG_TRACING_ENDPOINT_UNSUPPORTED' }),
    );
    expect(() => toExporterTarget('unix:///run/otel.sock', true)).toThrow(
      expect.objectContaining({ code: 'KDIAG_TRACING_ENDPOINT_UNSUPPORTED' }),
    );
  });
});
