/** One command-line flag of the diagnostics port, with Cluster API's (or component-base's) default and help. */
export interface FlagSpec {
  readonly name: string;
  /** `duration`: a Go duration (`500ms`, `1m0s`) given as a string and read in milliseconds. */
  readonly type: 'string' | 'boolean' | 'duration';
  /** Printed in the usage and applied when neither the flag nor its environment variable is set. */
  readonly default: string | boolean | undefined;
  readonly help: string;
  /** Environment variable read when the flag is absent. */
  readonly env: string;
}

const TLS_VERSIONS = ['VersionTLS10', 'VersionTLS11', 'VersionTLS12', 'VersionTLS13'];

/**
 * The flags Cluster API's managers bind for the diagnostics port (util/flags/manager.go) and
 * component-base binds for logging, plus `--tracing-config-file` as Kubernetes components name it.
 * Help texts follow theirs so operator users read what they already know. The flight recorder's
 * flags have no Go counterpart (goroutines are preempted; a Go loop never blocks the others).
 */
export const DIAGNOSTICS_FLAGS: readonly FlagSpec[] = [
  {
    name: 'diagnostics-address',
    type: 'string',
    default: ':8443',
    help:
      'The address the diagnostics endpoint binds to. Per default metrics are served via https and with ' +
      'authentication/authorization. To serve via http and without authentication/authorization set --insecure-diagnostics. ' +
      'If --insecure-diagnostics is not set the diagnostics endpoint also serves pprof endpoints and an endpoint to change the log level. ' +
      'Set to "0" to disable it.',
    env: 'KUBEDIAG_DIAGNOSTICS_ADDRESS',
  },
  {
    name: 'health-probe-bind-address',
    type: 'string',
    default: ':8081',
    help:
      'The address the probe endpoint binds to: plain HTTP, /healthz, /livez and /readyz only, with bounds of its own, so that ' +
      'no client of the diagnostics endpoint can starve the kubelet\'s probes. Set to "0" to disable it.',
    env: 'KUBEDIAG_HEALTH_PROBE_BIND_ADDRESS',
  },
  {
    name: 'health-probe-watchdog',
    type: 'boolean',
    default: false,
    help:
      'Serve the probe endpoint from a worker thread that answers honestly while the event loop is blocked: /readyz fails at once, ' +
      '/livez and /healthz only after 10s, and a warning is logged every 5s until the loop returns. Costs one thread (about 11 MiB RSS on Node.js 20, 18 MiB on 24). ' +
      'Needs --health-probe-bind-address.',
    env: 'KUBEDIAG_HEALTH_PROBE_WATCHDOG',
  },
  {
    name: 'insecure-diagnostics',
    type: 'boolean',
    default: false,
    help: 'Enable insecure diagnostics serving. For more details see the description of --diagnostics-address.',
    env: 'KUBEDIAG_INSECURE_DIAGNOSTICS',
  },
  {
    name: 'diagnostics-cert-dir',
    type: 'string',
    default: undefined,
    help:
      'Directory holding tls.crt and tls.key for the diagnostics endpoint, reloaded when they change. ' +
      'If omitted, an in-memory self-signed certificate is generated at start.',
    env: 'KUBEDIAG_DIAGNOSTICS_CERT_DIR',
  },
  {
    name: 'tls-min-version',
    type: 'string',
    default: 'VersionTLS12',
    help:
      'The minimum TLS version in use by the diagnostics endpoint (only if --insecure-diagnostics is not set to true).\n' +
      `Possible values are ${TLS_VERSIONS.join(', ')}.`,
    env: 'KUBEDIAG_TLS_MIN_VERSION',
  },
  {
    name: 'tls-cipher-suites',
    type: 'string',
    default: '',
    help:
      'Comma-separated list of cipher suites for the diagnostics endpoint (only if --insecure-diagnostics is not set to true). ' +
      'If omitted, the default Node.js cipher suites will be used. Names are Go/IANA names, ' +
      'e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256. TLS 1.3 suites are not configurable.',
    env: 'KUBEDIAG_TLS_CIPHER_SUITES',
  },
  {
    name: 'v',
    type: 'string',
    default: '2',
    help: 'number for the log level verbosity',
    env: 'KUBEDIAG_V',
  },
  {
    name: 'vmodule',
    type: 'string',
    default: '',
    help: 'comma-separated list of pattern=N settings for file-filtered logging (only works for text log format)',
    env: 'KUBEDIAG_VMODULE',
  },
  {
    name: 'logging-format',
    type: 'string',
    default: 'text',
    help: 'Sets the log format. Permitted formats: "json", "text".',
    env: 'KUBEDIAG_LOGGING_FORMAT',
  },
  {
    name: 'flight-recorder',
    type: 'boolean',
    default: true,
    help:
      'Keep the CPU samples of the last --flight-recorder-window in memory and, when the event loop is blocked longer than --stall-threshold, ' +
      'log a warning naming the functions that blocked it and count it in kubediag_event_loop_stalls_total. ' +
      'If --insecure-diagnostics is not set the recording and the stall profiles are also served under /debug/pprof/. ' +
      'Set to false to turn it off.',
    env: 'KUBEDIAG_FLIGHT_RECORDER',
  },
  {
    name: 'flight-recorder-cpu-samples',
    type: 'boolean',
    default: true,
    help:
      "Keep V8's CPU profiler running for the flight recorder. Set to false to save the memory it holds (about 5 MiB on Node 24): " +
      'stalls are still logged with their duration and how the thread spent it, and counted, but without the functions that blocked the loop, ' +
      'and /debug/pprof/flightrecording is not served.',
    env: 'KUBEDIAG_FLIGHT_RECORDER_CPU_SAMPLES',
  },
  {
    name: 'flight-recorder-window',
    type: 'duration',
    default: '1m0s',
    help: 'How far back the flight recorder keeps CPU samples (from 1s to 1h): the longest /debug/pprof/flightrecording?seconds=N.',
    env: 'KUBEDIAG_FLIGHT_RECORDER_WINDOW',
  },
  {
    name: 'stall-threshold',
    type: 'duration',
    default: '500ms',
    help: 'An event loop blocked longer than this (from 50ms to 10m) is reported as a stall by the flight recorder.',
    env: 'KUBEDIAG_STALL_THRESHOLD',
  },
  {
    name: 'watch-disconnected-threshold',
    type: 'duration',
    default: '30s',
    help:
      'The readiness check of an observed informer fails once its watch has been down (ended or failed, not restarted) longer than this. ' +
      '0s fails at once. (No Go counterpart: client-go restarts its watches itself.)',
    env: 'KUBEDIAG_WATCH_DISCONNECTED_THRESHOLD',
  },
  {
    name: 'watch-silence-threshold',
    type: 'duration',
    default: '5m0s',
    help:
      'The readiness check of an observed informer fails once its watch has been up longer than this without an event or bookmark ' +
      '(the apiserver sends a bookmark roughly every minute). 0s turns it off.',
    env: 'KUBEDIAG_WATCH_SILENCE_THRESHOLD',
  },
  {
    name: 'tracing-config-file',
    type: 'string',
    default: undefined,
    help: 'File with the tracing configuration (a TracingConfiguration, apiserver.config.k8s.io/v1). Tracing is off without it.',
    env: 'KUBEDIAG_TRACING_CONFIG_FILE',
  },
];
