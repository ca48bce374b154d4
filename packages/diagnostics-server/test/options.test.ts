import { describe, expect, it } from 'vitest';
import {
  createDiagnosticsServer,
  resolveDiagnosticsServerOptions,
  validateDiagnosticsServerOptions,
  type DiagnosticsServerError,
  type DiagnosticsServerOptions,
} from '../src/index.ts';
import { applyDiagnosticsServerOptions } from '../src/options.ts';
import { parseBindAddress } from '../src/listen.ts';
import { ciphersFromGoNames, tlsVersionFromGoName } from '../src/tls-config.ts';

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
    expect(o.zpages).toMatchObject({ componentName: process.title, binaryVersion: '' });
    expect(Object.isFrozen(o)).toBe(true);
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
    // Each field in the order of the options, then the rules between fields.
    expect(err?.problems.map((p) => p.path)).toEqual([
      'bindAddress',
      'extraHandlers["debug/x"]',
      'extraHandlers["/a/../b"]',
      'tlsMinVersion',
      'tlsCipherSuites',
      'maxHeaderSize',
      'requestTimeoutMs',
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

/** The problems createDiagnosticsServer throws for `options`, as `path: message` lines. */
function refused(options: unknown): string[] {
  try {
    createDiagnosticsServer(options as DiagnosticsServerOptions);
  } catch (err) {
    const e = err as DiagnosticsServerError;
    expect(e.code).toBe('KDIAG_SERVER_INVALID_OPTIONS');
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the options to be refused');
}

describe('unit: options refuse what they do not know', () => {
  it('refuses a misspelled top-level key with a suggestion instead of binding the default address', () => {
    expect(refused({ filterProvider: null, bindAdress: '127.0.0.1:9443' })).toEqual([
      'bindAdress: unknown option; did you mean "bindAddress"?',
    ]);
    expect(refused({ filterProvider: null, secureserving: false })).toEqual([
      'secureserving: unknown option; did you mean "secureServing"?',
    ]);
  });

  it('refuses a misspelled zpages key with its full path', () => {
    expect(refused({ filterProvider: null, zpages: { componentNmae: 'x', confidentialFlag: [] } })).toEqual([
      'zpages.componentNmae: unknown option; did you mean "componentName"?',
      'zpages.confidentialFlag: unknown option; did you mean "confidentialFlags"?',
    ]);
  });

  it('refuses values of the wrong kind with their paths, nested ones included', () => {
    expect(
      refused({
        filterProvider: 'withAuthenticationAndAuthorization',
        secureServing: 'yes',
        healthCheckTimeoutMs: 0,
        certName: '../tls.crt',
        selfSignedNames: ['ok.example', 'has space'],
        zpages: { flags: { v: 2 }, confidentialFlags: 'token' },
        extraHandlers: { '/debug/x': 'handler' },
      }),
    ).toEqual([
      'secureServing: expected a boolean, got "yes"',
      'extraHandlers["/debug/x"]: expected a request handler function, got "handler"',
      'healthCheckTimeoutMs: expected a duration in milliseconds from 1 to 86400000, got 0',
      'zpages.flags.v: expected a string, got 2',
      'zpages.confidentialFlags: expected an array, got "token"',
      'certName: expected a file name, got "../tls.crt"',
      'selfSignedNames[1]: expected a DNS name or IP address, got "has space"',
      'filterProvider: expected a FilterProvider function, or null to serve without a filter, got "withAuthenticationAndAuthorization"',
    ]);
  });

  it('keeps zpages: false and a flags function as they are', () => {
    const flags = (): Record<string, string> => ({ v: '1' });
    expect(resolveDiagnosticsServerOptions({ zpages: false }).zpages).toBe(false);
    const z = resolveDiagnosticsServerOptions({ zpages: { flags, componentName: 'op' } }).zpages;
    expect(z).toMatchObject({ flags, componentName: 'op', binaryVersion: '', confidentialFlags: [] });
    expect(refused({ filterProvider: null, zpages: true })).toEqual([
      'zpages: expected false or zpages options, got true',
    ]);
  });

  it('refuses a wrong value and a misspelled key of each connection bound, with its path', () => {
    expect(
      refused({
        filterProvider: null,
        maxConnections: 0,
        maxConnectionsPerSource: 1.5,
        tlsHandshakeTimeoutMs: 0,
        unauthenticatedHeadersTimeoutMs: '10s',
        healthProbeBindAddress: '8081',
        healthProbeMaxConnections: -1,
        healthProbeMaxConnectionsPerSource: 0,
        healthProbeTimeoutMs: 0,
      }),
    ).toEqual([
      'maxConnections: expected an integer >= 1, got 0',
      'maxConnectionsPerSource: expected an integer >= 1, got 1.5',
      'healthProbeBindAddress: expected "host:port" (e.g. ":8443" or "127.0.0.1:8443") or "0" to disable, got "8081"',
      'healthProbeMaxConnections: expected an integer >= 1, got -1',
      'healthProbeMaxConnectionsPerSource: expected an integer >= 1, got 0',
      'healthProbeTimeoutMs: expected a duration in milliseconds from 1 to 86400000, got 0',
      // Defaults derived in resolve come after the others.
      'tlsHandshakeTimeoutMs: expected a duration in milliseconds from 1 to 86400000, got 0',
      'unauthenticatedHeadersTimeoutMs: expected a duration in milliseconds from 1 to 86400000, got "10s"',
    ]);
    expect(
      refused({
        filterProvider: null,
        maxConnectionPerSource: 8,
        tlsHandshakeTimeout: 1000,
        unauthenticatedHeaderTimeoutMs: 1000,
        healthProbeBindAdress: ':8081',
        healthProbeMaxConnection: 8,
        healthProbeTimeout: 1000,
      }),
    ).toEqual([
      'maxConnectionPerSource: unknown option; did you mean "maxConnectionsPerSource"?',
      'tlsHandshakeTimeout: unknown option; did you mean "tlsHandshakeTimeoutMs"?',
      'unauthenticatedHeaderTimeoutMs: unknown option; did you mean "unauthenticatedHeadersTimeoutMs"?',
      'healthProbeBindAdress: unknown option; did you mean "healthProbeBindAddress"?',
      'healthProbeMaxConnection: unknown option; did you mean "healthProbeMaxConnections"?',
      'healthProbeTimeout: unknown option; did you mean "healthProbeTimeoutMs"?',
    ]);
  });

  it('keeps the pre-authentication deadlines within headersTimeoutMs, and the probe port apart', () => {
    const o = resolveDiagnosticsServerOptions({});
    expect([o.tlsHandshakeTimeoutMs, o.unauthenticatedHeadersTimeoutMs]).toEqual([10_000, 10_000]);
    expect([o.maxConnections, o.maxConnectionsPerSource, o.healthProbeBindAddress]).toEqual([1024, 32, '0']);
    const short = resolveDiagnosticsServerOptions({ headersTimeoutMs: 4000 });
    expect([short.tlsHandshakeTimeoutMs, short.unauthenticatedHeadersTimeoutMs]).toEqual([4000, 4000]);
    expect(refused({ filterProvider: null, unauthenticatedHeadersTimeoutMs: 40_000 })).toEqual([
      'unauthenticatedHeadersTimeoutMs: expected at most headersTimeoutMs (32000), got 40000',
    ]);
    expect(
      refused({ filterProvider: null, bindAddress: ':8443', healthProbeBindAddress: '127.0.0.1:8443' }),
    ).toEqual([
      'healthProbeBindAddress: expected a port other than bindAddress\'s (:8443), got "127.0.0.1:8443"',
    ]);
    // Port 0 picks a free port for each; a disabled port takes none.
    expect(
      validateDiagnosticsServerOptions(
        resolveDiagnosticsServerOptions({
          filterProvider: null,
          bindAddress: '127.0.0.1:0',
          healthProbeBindAddress: '127.0.0.1:0',
        }),
      ),
    ).toEqual([]);
    // A disabled diagnostics port needs no filter: it serves nothing one would guard.
    expect(validateDiagnosticsServerOptions(resolveDiagnosticsServerOptions({ bindAddress: '0' }))).toEqual(
      [],
    );
  });

  it('refuses a wrong value and a misspelled key of the watchdog, with its path', () => {
    const probes = { filterProvider: null, healthProbeBindAddress: '127.0.0.1:0' };
    expect(resolveDiagnosticsServerOptions({}).healthProbeWatchdog).toEqual({
      enabled: false,
      blockedAfterMs: 500,
      livenessFailAfterMs: 10_000,
      logIntervalMs: 5000,
      logFormat: 'text',
      logFd: 2,
    });
    expect(
      refused({
        ...probes,
        healthProbeWatchdog: {
          enabled: 'yes',
          blockedAfterMs: 10,
          logFormat: 'JSON',
          logFd: -1,
          livenessFailAfter: 1,
        },
      }),
    ).toEqual([
      'healthProbeWatchdog.enabled: expected a boolean, got "yes"',
      'healthProbeWatchdog.blockedAfterMs: expected a duration in milliseconds from 50 to 60000, got 10',
      'healthProbeWatchdog.logFormat: expected one of "text", "json", got "JSON"; did you mean "json"?',
      'healthProbeWatchdog.logFd: expected an integer >= 0, got -1',
      'healthProbeWatchdog.livenessFailAfter: unknown option; did you mean "livenessFailAfterMs"?',
    ]);
    expect(refused({ ...probes, healthProbeWatchdog: true })).toEqual([
      'healthProbeWatchdog: expected an options object, got true',
    ]);
  });

  it('refuses a watchdog with nothing to serve, or a liveness bound under the readiness one', () => {
    expect(refused({ filterProvider: null, healthProbeWatchdog: { enabled: true } })).toEqual([
      'healthProbeWatchdog.enabled: expected healthProbeBindAddress to be set (the watchdog serves the health-probe listener), got "0"',
    ]);
    expect(
      refused({
        filterProvider: null,
        healthProbeBindAddress: ':8081',
        healthProbeWatchdog: { enabled: true, blockedAfterMs: 2000, livenessFailAfterMs: 1000 },
      }),
    ).toEqual(['healthProbeWatchdog.livenessFailAfterMs: expected at least blockedAfterMs (2000), got 1000']);
  });

  it('validates options once: resolved options passed back in are not validated again', () => {
    const resolved = applyDiagnosticsServerOptions({ filterProvider: null });
    expect(applyDiagnosticsServerOptions(resolved)).toBe(resolved);
  });
});
