import { loggerOptionsFromFlags } from '@kubediag/klog';
import { DiagnosticsError } from '../errors.ts';
import type { DiagnosticsOptions } from '../options.ts';
import type { DiagnosticsFlagValues } from './parse-flags.ts';

/**
 * Turns parsed diagnostics flags into {@link DiagnosticsOptions}, merged over `base` (flags win), as
 * Cluster API's `GetManagerOptions` does: `--insecure-diagnostics` switches to plain HTTP, the TLS
 * flags apply to the secure port, the logging flags are validated with component-base's messages.
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
    throw new DiagnosticsError('KDIAG_DIAGNOSTICS_FLAGS_INVALID', (err as Error).message, { cause: err });
  }
  return {
    ...base,
    logging,
    server: {
      ...base.server,
      bindAddress: values.diagnosticsAddress,
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
  };
}
