/** One command-line flag of the diagnostics port, with Cluster API's (or component-base's) default and help. */
export interface FlagSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
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
 * Help texts follow theirs so operator users read what they already know.
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
    name: 'tracing-config-file',
    type: 'string',
    default: undefined,
    help: 'File with the tracing configuration (a TracingConfiguration, apiserver.config.k8s.io/v1). Tracing is off without it.',
    env: 'KUBEDIAG_TRACING_CONFIG_FILE',
  },
];
