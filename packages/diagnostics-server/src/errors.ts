/**
 * Every error this package throws is a {@link DiagnosticsServerError} with a stable `code`, so callers can
 * branch on `err.code` instead of parsing messages.
 */
export const DiagnosticsServerErrorCode = {
  /** The options failed validation; `problems` lists every field that is wrong. */
  InvalidOptions: 'KDIAG_SERVER_INVALID_OPTIONS',
  /** An extra handler tried to override a built-in path such as `/metrics`. */
  BuiltinOverride: 'KDIAG_SERVER_BUILTIN_OVERRIDE',
  /** Two handlers were registered on the same path. */
  DuplicatePath: 'KDIAG_SERVER_DUPLICATE_PATH',
  /** The filter provider threw or returned something that is not a filter. */
  FilterProvider: 'KDIAG_SERVER_FILTER_PROVIDER',
  /** The serving certificate could not be loaded or generated. */
  Certificate: 'KDIAG_SERVER_CERTIFICATE',
  /** The TLS options (min version, cipher suites, client CA) are not usable. */
  Tls: 'KDIAG_SERVER_TLS',
  /** The listener could not bind (address in use, permission denied, ...). */
  Listen: 'KDIAG_SERVER_LISTEN',
  /** `start()` was called on a server that is already started or stopped. */
  State: 'KDIAG_SERVER_STATE',
  /** A health check was registered with an invalid or duplicate name. */
  HealthCheck: 'KDIAG_SERVER_HEALTH_CHECK',
} as const;

export type DiagnosticsServerErrorCode =
  (typeof DiagnosticsServerErrorCode)[keyof typeof DiagnosticsServerErrorCode];

/** One problem found by {@link validateDiagnosticsServerOptions}. */
export interface OptionProblem {
  /** Dotted option path, e.g. `tls.minVersion`. */
  readonly path: string;
  /** What was expected and what was given. */
  readonly message: string;
}

export class DiagnosticsServerError extends Error {
  override readonly name = 'DiagnosticsServerError';
  readonly code: DiagnosticsServerErrorCode;
  /** Only for {@link DiagnosticsServerErrorCode.InvalidOptions}. */
  readonly problems: readonly OptionProblem[];

  constructor(
    code: DiagnosticsServerErrorCode,
    message: string,
    options?: { cause?: unknown; problems?: readonly OptionProblem[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options?.problems ?? [];
  }
}

/** Builds the InvalidOptions error; the message lists every problem so one log line says it all. */
export function invalidOptionsError(problems: readonly OptionProblem[]): DiagnosticsServerError {
  const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return new DiagnosticsServerError(
    DiagnosticsServerErrorCode.InvalidOptions,
    `invalid diagnostics server options: ${list}`,
    { problems },
  );
}
