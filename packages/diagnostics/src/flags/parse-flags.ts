import { parseArgs } from 'node:util';
import { DiagnosticsError, DiagnosticsErrorCode } from '../errors.ts';
import { DIAGNOSTICS_FLAGS } from './flag-spec.ts';
import { parseGoDuration } from './go-duration.ts';

/** The diagnostics flags after parsing, each from its flag, else its environment variable, else its default. */
export interface DiagnosticsFlagValues {
  readonly diagnosticsAddress: string;
  /** `--health-probe-bind-address` (kubebuilder's name and default): `server.healthProbeBindAddress`. */
  readonly healthProbeBindAddress: string;
  /** `--health-probe-watchdog`: `server.healthProbeWatchdog.enabled`. */
  readonly healthProbeWatchdog: boolean;
  readonly insecureDiagnostics: boolean;
  readonly diagnosticsCertDir: string | undefined;
  readonly tlsMinVersion: string;
  readonly tlsCipherSuites: readonly string[];
  /** Raw `-v` value; validated by the logger options. */
  readonly v: string;
  readonly vmodule: string;
  readonly loggingFormat: string;
  readonly tracingConfigFile: string | undefined;
  /** `--flight-recorder`: `profiling.flightRecorder.enabled`. */
  readonly flightRecorder: boolean;
  /** `--flight-recorder-cpu-samples`: `profiling.flightRecorder.cpuSamples`. */
  readonly flightRecorderCpuSamples: boolean;
  /** `--flight-recorder-window` in milliseconds: `profiling.flightRecorder.windowMs`. */
  readonly flightRecorderWindowMs: number;
  /** `--stall-threshold` in milliseconds: `profiling.flightRecorder.stalls.thresholdMs`. */
  readonly stallThresholdMs: number;
  /** `--watch-disconnected-threshold` in milliseconds: `clientMetrics.informers.disconnectedAfterMs`. */
  readonly watchDisconnectedThresholdMs: number;
  /** `--watch-silence-threshold` in milliseconds: `clientMetrics.informers.silentAfterMs`. */
  readonly watchSilenceThresholdMs: number;
}

export interface ParsedDiagnosticsFlags {
  readonly values: DiagnosticsFlagValues;
  /** Arguments that are not diagnostics flags, in order, for the operator's own parser. */
  readonly rest: readonly string[];
}

const BOOLEAN_TEXT: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/**
 * Parses the diagnostics flags out of `argv` the way Go's flag packages accept them: `--name=value`,
 * `--name value`, single-dash `-name=value` / `-v=4` / `-v 4`, and `--insecure-diagnostics=false`
 * (Go's ParseBool spellings). Unknown arguments are returned in `rest`, untouched. Environment
 * variables (`KUBEDIAG_DIAGNOSTICS_ADDRESS`, ... see DIAGNOSTICS_FLAGS) fill what the command line
 * leaves unset.
 */
export function parseDiagnosticsFlags(
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParsedDiagnosticsFlags {
  const known = new Map(DIAGNOSTICS_FLAGS.map((f) => [f.name, f]));
  const ours: string[] = [];
  const rest: string[] = [];
  const explicitBool = new Map<string, boolean>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--?([a-z][a-z0-9-]*)(?:=([\s\S]*))?$/.exec(arg);
    const spec = m ? known.get(m[1]!) : undefined;
    if (!m || !spec) {
      rest.push(arg);
      continue;
    }
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    if (spec.type === 'boolean') {
      if (inline === undefined) explicitBool.set(name, true);
      else {
        const b = BOOLEAN_TEXT[inline];
        if (b === undefined) {
          throw new DiagnosticsError(
            DiagnosticsErrorCode.FLAGS_INVALID,
            `invalid boolean value "${inline}" for -${name}: parse error; expected one of 1, t, true, 0, f, false`,
          );
        }
        explicitBool.set(name, b);
      }
      continue;
    }
    if (inline !== undefined) ours.push(`--${name}=${inline}`);
    else {
      const next = argv[i + 1];
      if (next === undefined) {
        throw new DiagnosticsError(DiagnosticsErrorCode.FLAGS_INVALID, `flag needs an argument: -${name}`);
      }
      ours.push(`--${name}=${next}`);
      i++;
    }
  }

  const { values } = parseArgs({
    args: ours,
    strict: true,
    options: Object.fromEntries(
      DIAGNOSTICS_FLAGS.filter((f) => f.type !== 'boolean').map((f) => [f.name, { type: 'string' as const }]),
    ),
  });
  const get = (name: string): string | undefined => {
    const v = (values as Record<string, string | undefined>)[name];
    if (v !== undefined) return v;
    const spec = known.get(name)!;
    return env[spec.env] ?? (spec.default as string | undefined);
  };
  const getBool = (name: string): boolean => {
    const explicit = explicitBool.get(name);
    if (explicit !== undefined) return explicit;
    const spec = known.get(name)!;
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      const b = BOOLEAN_TEXT[fromEnv];
      if (b === undefined) {
        throw new DiagnosticsError(
          DiagnosticsErrorCode.FLAGS_INVALID,
          `invalid boolean value "${fromEnv}" in ${spec.env}; expected one of 1, t, true, 0, f, false`,
        );
      }
      return b;
    }
    return spec.default as boolean;
  };
  // Go's flag package parses a duration when it reads the flag, and refuses what ParseDuration refuses.
  const getDuration = (name: string): number => {
    const text = get(name)!;
    const ms = parseGoDuration(text);
    if (ms === undefined || !Number.isInteger(ms)) {
      const given = (values as Record<string, string | undefined>)[name] !== undefined;
      throw new DiagnosticsError(
        DiagnosticsErrorCode.FLAGS_INVALID,
        `invalid value "${text}" ${given ? `for flag -${name}` : `in ${known.get(name)!.env}`}: parse error; expected a duration in whole milliseconds such as 500ms, 2s or 1m`,
      );
    }
    return ms;
  };
  const suites = get('tls-cipher-suites') ?? '';
  return {
    values: {
      diagnosticsAddress: get('diagnostics-address')!,
      healthProbeBindAddress: get('health-probe-bind-address')!,
      healthProbeWatchdog: getBool('health-probe-watchdog'),
      insecureDiagnostics: getBool('insecure-diagnostics'),
      diagnosticsCertDir: get('diagnostics-cert-dir'),
      tlsMinVersion: get('tls-min-version')!,
      tlsCipherSuites: suites
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      v: get('v')!,
      vmodule: get('vmodule')!,
      loggingFormat: get('logging-format')!,
      tracingConfigFile: get('tracing-config-file') || undefined,
      flightRecorder: getBool('flight-recorder'),
      flightRecorderCpuSamples: getBool('flight-recorder-cpu-samples'),
      flightRecorderWindowMs: getDuration('flight-recorder-window'),
      stallThresholdMs: getDuration('stall-threshold'),
      watchDisconnectedThresholdMs: getDuration('watch-disconnected-threshold'),
      watchSilenceThresholdMs: getDuration('watch-silence-threshold'),
    },
    rest,
  };
}

/** The usage text of the diagnostics flags, in pflag's layout, for an operator's `--help`. */
export function formatDiagnosticsUsage(): string {
  const lines: string[] = [];
  for (const f of DIAGNOSTICS_FLAGS) {
    const dash = f.name.length === 1 ? '-' : '--';
    const arg = f.type === 'boolean' ? '' : f.name === 'v' ? ' Level' : ` ${f.type}`;
    // pflag quotes string defaults only.
    const shown = f.type === 'string' ? JSON.stringify(f.default) : String(f.default);
    const def =
      f.default === undefined || f.default === '' || f.default === false ? '' : ` (default ${shown})`;
    lines.push(`      ${dash}${f.name}${arg}`);
    for (const part of `${f.help}${def} [env ${f.env}]`.split('\n')) lines.push(`            ${part}`);
  }
  return lines.join('\n') + '\n';
}
