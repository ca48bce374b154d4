import { describe, expect, it } from 'vitest';
import {
  applyDiagnosticsServerOptions,
  ciphersFromGoNames,
  createDiagnosticsServer,
  DEFAULT_DIAGNOSTICS_SERVER_OPTIONS,
  parseBindAddress,
  resolveDiagnosticsServerOptions,
  tlsVersionFromGoName,
  validateDiagnosticsServerOptions,
  type DiagnosticsServerError,
} from '../src/index.ts';

const noop = (): void => undefined;

describe('unit: options', () => {
  it('fills controller-runtime and Cluster API defaults', () => {
    const o = resolveDiagnosticsServerOptions({});
    expect(o.bindAddress).toBe(':8443');
    expect(o.secureServing).toBe(true);
    expect(o.tlsMinVersion).toBe('VersionTLS12');
    expect(o.requestTimeoutMs).toBe(360_000);
    expect(o.headersTimeoutMs).toBe(32_000);
    expect(o.idleTimeoutMs).toBe(90_000);
    expect(Object.isFrozen(DEFAULT_DIAGNOSTICS_SERVER_OPTIONS)).toBe(true);
  });

  it('derives the request timeout from maxProfileSeconds', () => {
    expect(resolveDiagnosticsServerOptions({ maxProfileSeconds: 600 }).requestTimeoutMs).toBe(660_000);
  });

  it('requires a filter provider in secure mode so the port fails closed', () => {
    const problems = validateDiagnosticsServerOptions(resolveDiagnosticsServerOptions({}));
    expect(problems.map((p) => p.path)).toEqual(['filterProvider']);
    expect(
      validateDiagnosticsServerOptions(resolveDiagnosticsServerOptions({ filterProvider: null })),
    ).toEqual([]);
    expect(
      validateDiagnosticsServerOptions(resolveDiagnosticsServerOptions({ secureServing: false })),
    ).toEqual([]);
  });

  it('reports every problem with its path', () => {
    let err: DiagnosticsServerError | undefined;
    try {
      applyDiagnosticsServerOptions({
        filterProvider: null,
        bindAddress: 'nope',
        tlsMinVersion: 'VersionTLS14' as never,
        tlsCipherSuites: ['TLS_FAKE'],
        maxProfileSeconds: 300,
        requestTimeoutMs: 300_000,
        maxHeaderSize: 10,
        extraHandlers: { 'debug/x': noop, '/a/../b': noop },
      });
    } catch (e) {
      err = e as DiagnosticsServerError;
    }
    expect(err?.code).toBe('KDIAG_SERVER_INVALID_OPTIONS');
    expect(err?.problems.map((p) => p.path)).toEqual([
      'bindAddress',
      'maxHeaderSize',
      'requestTimeoutMs',
      'tlsMinVersion',
      'tlsCipherSuites',
      'extraHandlers["debug/x"]',
      'extraHandlers["/a/../b"]',
    ]);
    expect(err?.message).toContain('tlsMinVersion: unknown tls version "VersionTLS14"');
    expect(err?.message).toContain("tlsCipherSuites: Cipher suite TLS_FAKE not supported or doesn't exist");
  });

  it('parses Go-style bind addresses', () => {
    expect(parseBindAddress(':8443')).toEqual({ host: '', port: 8443 });
    expect(parseBindAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseBindAddress('localhost:8080')).toEqual({ host: 'localhost', port: 8080 });
    expect(typeof parseBindAddress('8443')).toBe('string');
    expect(typeof parseBindAddress(':70000')).toBe('string');
  });

  it('maps Go TLS versions and cipher suites to Node names', () => {
    expect(tlsVersionFromGoName('VersionTLS13')).toBe('TLSv1.3');
    expect(tlsVersionFromGoName('')).toBe('TLSv1.2');
    expect(tlsVersionFromGoName('TLSv1.2')).toBeUndefined();
    const m = ciphersFromGoNames(['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256']);
    expect(m).toEqual({
      ok: true,
      ciphers: expect.stringMatching(/^TLS_AES_256_GCM_SHA384:.*:ECDHE-ECDSA-AES128-GCM-SHA256$/),
    });
    expect(ciphersFromGoNames([])).toEqual({ ok: true, ciphers: undefined });
  });

  it('refuses to override /metrics with the controller-runtime text', () => {
    expect(() =>
      createDiagnosticsServer({ filterProvider: null, extraHandlers: { '/metrics': noop } }),
    ).toThrow('overriding builtin /metrics endpoint is not allowed');
  });

  it('refuses a duplicate path with the controller-runtime text', () => {
    expect(() =>
      createDiagnosticsServer({ filterProvider: null, extraHandlers: { '/debug/flags/v': noop } }),
    ).toThrow('can\'t register extra handler by duplicate path "/debug/flags/v" on metrics http server');
    expect(() =>
      createDiagnosticsServer({ filterProvider: null, extraHandlers: { '/healthz': noop } }),
    ).toThrow(/KDIAG|duplicate path "\/healthz"/);
  });
});
