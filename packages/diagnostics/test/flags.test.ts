import { describe, expect, it } from 'vitest';
import { DiagnosticsErrorCode } from '../src/errors.ts';
import { diagnosticsOptionsFromFlags } from '../src/flags/options-from-flags.ts';
import { formatDiagnosticsUsage, parseDiagnosticsFlags } from '../src/flags/parse-flags.ts';
import { resolveDiagnosticsOptions, validateDiagnosticsOptions } from '../src/options.ts';

const flagsInvalid = expect.objectContaining({
  name: 'DiagnosticsError',
  code: DiagnosticsErrorCode.FLAGS_INVALID,
});

describe('parseDiagnosticsFlags', () => {
  it('applies Cluster API defaults when nothing is given', () => {
    const { values, rest } = parseDiagnosticsFlags([], {});
    expect(values).toEqual({
      diagnosticsAddress: ':8443',
      healthProbeBindAddress: ':8081',
      healthProbeWatchdog: false,
      insecureDiagnostics: false,
      diagnosticsCertDir: undefined,
      tlsMinVersion: 'VersionTLS12',
      tlsCipherSuites: [],
      v: '2',
      vmodule: '',
      loggingFormat: 'text',
      tracingConfigFile: undefined,
      flightRecorder: true,
      flightRecorderCpuSamples: true,
      flightRecorderWindowMs: 60_000,
      stallThresholdMs: 500,
      watchDisconnectedThresholdMs: 30_000,
      watchSilenceThresholdMs: 300_000,
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

  it("serves the probes on their own listener at kubebuilder's :8081 unless told otherwise", () => {
    const defaults = diagnosticsOptionsFromFlags(parseDiagnosticsFlags([], {}).values);
    expect(defaults.server?.healthProbeBindAddress).toBe(':8081');
    const flag = parseDiagnosticsFlags(['--health-probe-bind-address', '127.0.0.1:0'], {}).values;
    expect(diagnosticsOptionsFromFlags(flag).server?.healthProbeBindAddress).toBe('127.0.0.1:0');
    const off = parseDiagnosticsFlags([], { KUBEDIAG_HEALTH_PROBE_BIND_ADDRESS: '0' }).values;
    expect(diagnosticsOptionsFromFlags(off).server?.healthProbeBindAddress).toBe('0');
    expect(formatDiagnosticsUsage()).toContain('(default ":8081") [env KUBEDIAG_HEALTH_PROBE_BIND_ADDRESS]');
  });

  it("turns the health-probe watchdog on with the logger's format, and validation accepts it", () => {
    const { values } = parseDiagnosticsFlags(['--health-probe-watchdog', '--logging-format=json'], {});
    const options = diagnosticsOptionsFromFlags(values);
    expect(options.server?.healthProbeWatchdog).toEqual({ enabled: true, logFormat: 'json' });
    expect(validateDiagnosticsOptions(resolveDiagnosticsOptions(options))).toEqual([]);
    const off = diagnosticsOptionsFromFlags(
      parseDiagnosticsFlags(['--health-probe-watchdog', '--health-probe-bind-address=0'], {}).values,
    );
    expect(validateDiagnosticsOptions(resolveDiagnosticsOptions(off)).map((p) => p.path)).toContain(
      'server.healthProbeWatchdog.enabled',
    );
  });

  it('names a flag that misses its argument', () => {
    expect(() => parseDiagnosticsFlags(['--tracing-config-file'], {})).toThrow(
      'flag needs an argument: -tracing-config-file',
    );
  });

  it('throws DiagnosticsError KDIAG_DIAGNOSTICS_FLAGS_INVALID for a bad flag, environment variable or level', () => {
    expect(() => parseDiagnosticsFlags(['--insecure-diagnostics=yes'], {})).toThrow(flagsInvalid);
    expect(() => parseDiagnosticsFlags([], { KUBEDIAG_INSECURE_DIAGNOSTICS: 'maybe' })).toThrow(flagsInvalid);
    expect(() => parseDiagnosticsFlags(['-v'], {})).toThrow(flagsInvalid);
    const { values } = parseDiagnosticsFlags(['--logging-format=xml'], {});
    expect(() => diagnosticsOptionsFromFlags(values)).toThrow(flagsInvalid);
  });

  it('prints usage with defaults and environment variables', () => {
    const usage = formatDiagnosticsUsage();
    expect(usage).toContain('--diagnostics-address string');
    expect(usage).toContain('(default ":8443") [env KUBEDIAG_DIAGNOSTICS_ADDRESS]');
    expect(usage).toContain('-v Level');
    // pflag's layout for booleans and durations: no argument name or a "duration" one, unquoted defaults.
    expect(usage).toContain('      --flight-recorder\n');
    expect(usage).toContain('Set to false to turn it off. (default true) [env KUBEDIAG_FLIGHT_RECORDER]');
    expect(usage).toContain('      --stall-threshold duration\n');
    expect(usage).toContain('(default 500ms) [env KUBEDIAG_STALL_THRESHOLD]');
    expect(usage).toContain('(default 1m0s) [env KUBEDIAG_FLIGHT_RECORDER_WINDOW]');
  });
});

describe('the flight recorder flags', () => {
  it('read Go durations and booleans from flags and environment variables', () => {
    expect(
      parseDiagnosticsFlags(
        [
          '--flight-recorder=false',
          '--flight-recorder-cpu-samples=false',
          '--flight-recorder-window=2m30s',
          '-stall-threshold',
          '1.5s',
        ],
        {},
      ).values,
    ).toMatchObject({
      flightRecorder: false,
      flightRecorderCpuSamples: false,
      flightRecorderWindowMs: 150_000,
      stallThresholdMs: 1500,
    });
    expect(
      parseDiagnosticsFlags([], {
        KUBEDIAG_FLIGHT_RECORDER: 'f',
        KUBEDIAG_FLIGHT_RECORDER_CPU_SAMPLES: '0',
        KUBEDIAG_FLIGHT_RECORDER_WINDOW: '10s',
        KUBEDIAG_STALL_THRESHOLD: '250ms',
      }).values,
    ).toMatchObject({
      flightRecorder: false,
      flightRecorderCpuSamples: false,
      flightRecorderWindowMs: 10_000,
      stallThresholdMs: 250,
    });
  });

  it('refuse what Go refuses, and fractions of a millisecond, naming the flag or the variable', () => {
    const bad =
      (args: string[], env: Record<string, string> = {}) =>
      () =>
        parseDiagnosticsFlags(args, env);
    expect(bad(['--stall-threshold=500'])).toThrow(
      'invalid value "500" for flag -stall-threshold: parse error; expected a duration in whole milliseconds such as 500ms, 2s or 1m',
    );
    expect(bad(['--flight-recorder-window=1 m'])).toThrow(
      'invalid value "1 m" for flag -flight-recorder-window',
    );
    expect(bad(['--stall-threshold=100.5ms'])).toThrow('invalid value "100.5ms" for flag -stall-threshold');
    expect(bad([], { KUBEDIAG_STALL_THRESHOLD: 'soon' })).toThrow(
      'invalid value "soon" in KUBEDIAG_STALL_THRESHOLD: parse error',
    );
    expect(bad(['--flight-recorder=on'])).toThrow('invalid boolean value "on" for -flight-recorder');
    for (const run of [bad(['--stall-threshold=x']), bad(['--flight-recorder=on'])])
      expect(run).toThrow(flagsInvalid);
  });

  it('set profiling.flightRecorder over the base options, whose other recorder options stay', () => {
    const { values } = parseDiagnosticsFlags(['--flight-recorder-window=30s', '--stall-threshold=2s'], {});
    const options = diagnosticsOptionsFromFlags(values, {
      profiling: { cpu: { maxSeconds: 60 }, flightRecorder: { maxBytes: 4096, stalls: { keep: 3 } } },
    });
    expect(options.profiling).toEqual({
      cpu: { maxSeconds: 60 },
      flightRecorder: {
        enabled: true,
        cpuSamples: true,
        maxBytes: 4096,
        windowMs: 30_000,
        stalls: { keep: 3, thresholdMs: 2000 },
      },
    });
    expect(diagnosticsOptionsFromFlags(values, { profiling: false }).profiling).toBe(false);
  });

  it('set the bounds of observed informers, over the base client metrics options', () => {
    const { values } = parseDiagnosticsFlags(
      ['--watch-disconnected-threshold=0s', '-watch-silence-threshold', '90s'],
      { KUBEDIAG_WATCH_SILENCE_THRESHOLD: '1m' },
    );
    const options = diagnosticsOptionsFromFlags(values, {
      clientMetrics: { requestDuration: true, informers: { bookmarks: false } },
    });
    expect(options.clientMetrics).toEqual({
      requestDuration: true,
      informers: { bookmarks: false, disconnectedAfterMs: 0, silentAfterMs: 90_000 },
    });
    expect(
      parseDiagnosticsFlags([], { KUBEDIAG_WATCH_SILENCE_THRESHOLD: '1m' }).values.watchSilenceThresholdMs,
    ).toBe(60_000);
    expect(validateDiagnosticsOptions(resolveDiagnosticsOptions(options))).toEqual([]);
    expect(() => parseDiagnosticsFlags(['--watch-silence-threshold=5'], {})).toThrow(
      'invalid value "5" for flag -watch-silence-threshold: parse error; expected a duration in whole milliseconds such as 500ms, 2s or 1m',
    );
  });

  it('leave the range to the options, which name the option path', () => {
    const { values } = parseDiagnosticsFlags(['--stall-threshold=10ms', '--flight-recorder-window=2h'], {});
    const problems = validateDiagnosticsOptions(
      resolveDiagnosticsOptions(diagnosticsOptionsFromFlags(values)),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'profiling.flightRecorder.windowMs',
      'profiling.flightRecorder.stalls.thresholdMs',
    ]);
  });
});
