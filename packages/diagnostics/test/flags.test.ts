import { describe, expect, it } from 'vitest';
import { formatDiagnosticsUsage, parseDiagnosticsFlags } from '../src/flags/parse-flags.ts';

describe('parseDiagnosticsFlags', () => {
  it('applies Cluster API defaults when nothing is given', () => {
    const { values, rest } = parseDiagnosticsFlags([], {});
    expect(values).toEqual({
      diagnosticsAddress: ':8443',
      insecureDiagnostics: false,
      diagnosticsCertDir: undefined,
      tlsMinVersion: 'VersionTLS12',
      tlsCipherSuites: [],
      v: '2',
      vmodule: '',
      loggingFormat: 'text',
      tracingConfigFile: undefined,
    });
    expect(rest).toEqual([]);
  });

  it('accepts Go flag spellings and leaves unknown arguments to the operator', () => {
    const { values, rest } = parseDiagnosticsFlags(
      [
        '--diagnostics-address=localhost:8080',
        '--insecure-diagnostics',
        '-v=4',
        '-vmodule',
        'reconciler=5',
        '--tls-cipher-suites=TLS_A, TLS_B',
        '--leader-elect',
        'positional',
      ],
      {},
    );
    expect(values.diagnosticsAddress).toBe('localhost:8080');
    expect(values.insecureDiagnostics).toBe(true);
    expect(values.v).toBe('4');
    expect(values.vmodule).toBe('reconciler=5');
    expect(values.tlsCipherSuites).toEqual(['TLS_A', 'TLS_B']);
    expect(rest).toEqual(['--leader-elect', 'positional']);
  });

  it('parses boolean values as Go does', () => {
    expect(parseDiagnosticsFlags(['--insecure-diagnostics=false'], {}).values.insecureDiagnostics).toBe(
      false,
    );
    expect(parseDiagnosticsFlags(['--insecure-diagnostics=T'], {}).values.insecureDiagnostics).toBe(true);
    expect(() => parseDiagnosticsFlags(['--insecure-diagnostics=yes'], {})).toThrow(
      'invalid boolean value "yes" for -insecure-diagnostics',
    );
  });

  it('reads environment variables when the flag is absent, and the flag wins', () => {
    const env = {
      KUBEDIAG_DIAGNOSTICS_ADDRESS: ':9443',
      KUBEDIAG_INSECURE_DIAGNOSTICS: 'true',
      KUBEDIAG_V: '5',
    };
    expect(parseDiagnosticsFlags([], env).values).toMatchObject({
      diagnosticsAddress: ':9443',
      insecureDiagnostics: true,
      v: '5',
    });
    expect(parseDiagnosticsFlags(['--diagnostics-address=:1234', '-v', '1'], env).values).toMatchObject({
      diagnosticsAddress: ':1234',
      v: '1',
    });
  });

  it('names a flag that misses its argument', () => {
    expect(() => parseDiagnosticsFlags(['--tracing-config-file'], {})).toThrow(
      'flag needs an argument: -tracing-config-file',
    );
  });

  it('prints usage with defaults and environment variables', () => {
    const usage = formatDiagnosticsUsage();
    expect(usage).toContain('--diagnostics-address string');
    expect(usage).toContain('(default ":8443") [env KUBEDIAG_DIAGNOSTICS_ADDRESS]');
    expect(usage).toContain('-v Level');
  });
});
