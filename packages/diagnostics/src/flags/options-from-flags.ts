import { loggerOptionsFromFlags } from '@kubediag/klog';
import { DiagnosticsError, DiagnosticsErrorCode } from '../errors.ts';
import type { DiagnosticsOptions, DiagnosticsProfilingOptions } from '../options.ts';
import type { DiagnosticsFlagValues } from './parse-flags.ts';

/**
 * Turns parsed diagnostics flags into {@link DiagnosticsOptions}, merged over `base` (flags win), as
 * Cluster API's `GetManagerOptions` does: `--insecure-diagnostics` switches to plain HTTP, the TLS
 * flags apply to the secure port, the logging flags are validated with component-base's messages,
 * the flight recorder's flags set `profiling.flightRecorder` (unless `base.profiling` is `false`).
 */
export function diagnosticsOptionsFromFlags(
  values: DiagnosticsFlagValues,
  base: DiagnosticsOptions = {},
): DiagnosticsOptions {
  let logging;
  try {
    logging = loggerOptionsFromFlags(
      { v: values.v, vmodule: values.vmodule, 'logging-format': values.loggingFormat },
      base.logging,
    );
  } catch (err) {
    throw new DiagnosticsError(DiagnosticsErrorCode.FLAGS_INVALID, (err as Error).message, { cause: err });
  }
  return {
    ...base,
    logging,
    server: {
      ...base.server,
      bindAddress: values.diagnosticsAddress,
      healthProbeBindAddress: values.healthProbeBindAddress,
      // The watchdog's worker writes its own lines while the loop is blocked: in the logger's format,
      // to stderr (klog's destination; set healthProbeWatchdog.logFd for another).
      ...(values.healthProbeWatchdog
        ? {
            healthProbeWatchdog: {
              ...base.server?.healthProbeWatchdog,
              enabled: true,
              logFormat: logging.format ?? 'text',
            },
          }
        : {}),
      secureServing: !values.insecureDiagnostics,
      ...(values.diagnosticsCertDir !== undefined ? { certDir: values.diagnosticsCertDir } : {}),
      ...(values.insecureDiagnostics
        ? {}
        : {
            tlsMinVersion: values.tlsMinVersion as NonNullable<
              DiagnosticsOptions['server']
            >['tlsMinVersion'] &
              string,
            tlsCipherSuites: values.tlsCipherSuites,
          }),
    },
    ...(values.tracingConfigFile !== undefined
      ? { tracing: { ...base.tracing, configFile: values.tracingConfigFile } }
      : {}),
    // The watch thresholds bound the readiness checks of observed informers.
    clientMetrics: {
      ...base.clientMetrics,
      informers: {
        ...base.clientMetrics?.informers,
        disconnectedAfterMs: values.watchDisconnectedThresholdMs,
        silentAfterMs: values.watchSilenceThresholdMs,
      },
    },
    // `profiling: false` (no pprof handler at all) leaves nothing for the recorder flags to set.
    ...(base.profiling === false ? {} : { profiling: withFlightRecorderFlags(base.profiling, values) }),
  };
}

function withFlightRecorderFlags(
  profiling: DiagnosticsProfilingOptions | undefined,
  values: DiagnosticsFlagValues,
): DiagnosticsProfilingOptions {
  const recorder = profiling?.flightRecorder;
  return {
    ...profiling,
    flightRecorder: {
      ...recorder,
      enabled: values.flightRecorder,
      cpuSamples: values.flightRecorderCpuSamples,
      windowMs: values.flightRecorderWindowMs,
      stalls: { ...recorder?.stalls, thresholdMs: values.stallThresholdMs },
    },
  };
}
