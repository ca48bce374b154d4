// Every error this package throws: one class, a stable `code` to branch on, a lowercase message that
// reads as a context chain ("what failed: why"), `problems` for the invalid-configuration and
// invalid-options codes, and the underlying `cause` when there is one.
import { KubediagError, formatProblems, type OptionProblem } from '@kubediag/options';
import type { TracingConfigProblem } from './problem.ts';

/** Stable error codes, listed in the README's Errors section. */
export const TracingErrorCode = {
  /** The configured path is the empty string (Kubernetes: `tracing config file was empty`). */
  CONFIG_PATH_EMPTY: 'KDIAG_TRACING_CONFIG_PATH_EMPTY',
  /** No file at the path (Kubernetes: `tracing-config-file <path> does not exist`). */
  CONFIG_NOT_FOUND: 'KDIAG_TRACING_CONFIG_NOT_FOUND',
  /** The file exists but cannot be read (permissions, a directory, I/O). */
  CONFIG_UNREADABLE: 'KDIAG_TRACING_CONFIG_UNREADABLE',
  /** The file is larger than `maxBytes`. */
  CONFIG_TOO_LARGE: 'KDIAG_TRACING_CONFIG_TOO_LARGE',
  /** The file holds no document (empty, whitespace or comments only). */
  CONFIG_EMPTY: 'KDIAG_TRACING_CONFIG_EMPTY',
  /** Not parseable YAML/JSON, several documents, or not a mapping. */
  CONFIG_MALFORMED: 'KDIAG_TRACING_CONFIG_MALFORMED',
  /**
   * Parsed, but has unknown/duplicate fields, wrong types, apiVersion/kind, or fails validation;
   * `problems` lists every one, with Kubernetes' messages.
   */
  CONFIG_INVALID: 'KDIAG_TRACING_CONFIG_INVALID',
  /** Options (or the configuration object) given to a function are invalid; `problems` lists every one. */
  INVALID_OPTIONS: 'KDIAG_TRACING_INVALID_OPTIONS',
  /** A TLS file for the collector connection cannot be read. */
  TLS_UNREADABLE: 'KDIAG_TRACING_TLS_UNREADABLE',
  /** The endpoint is valid Kubernetes syntax but the Node.js OTLP exporter cannot dial it. */
  ENDPOINT_UNSUPPORTED: 'KDIAG_TRACING_ENDPOINT_UNSUPPORTED',
  /** Flushing spans to the collector failed. */
  EXPORT_FAILED: 'KDIAG_TRACING_EXPORT_FAILED',
  /** `shutdown()` did not finish within `shutdownTimeoutMs`. */
  SHUTDOWN_TIMEOUT: 'KDIAG_TRACING_SHUTDOWN_TIMEOUT',
} as const;
/** One of the {@link TracingErrorCode} values. */
export type TracingErrorCode = (typeof TracingErrorCode)[keyof typeof TracingErrorCode];

/** The one error class of @kubediag/tracing-config; branch on `code`, never on the message. */
export class TracingError extends KubediagError<TracingErrorCode> {
  override readonly name = 'TracingError';
}

/** Narrows an unknown value to a {@link TracingError}, optionally of one code. */
export function isTracingError(err: unknown, code?: TracingErrorCode): err is TracingError {
  return err instanceof TracingError && (code === undefined || err.code === code);
}

/**
 * A configuration that was read and parsed but is not acceptable: every problem (not only the
 * first), each with the message Kubernetes prints for it, aggregated as apimachinery does.
 */
export function invalidConfiguration(
  source: string,
  problems: readonly TracingConfigProblem[],
): TracingError {
  return new TracingError(
    TracingErrorCode.CONFIG_INVALID,
    `invalid tracing configuration in ${source}: ${aggregate(problems)}`,
    { problems },
  );
}

/** The KDIAG_TRACING_INVALID_OPTIONS error of `what` ("invalid tracing provider options"). */
export function invalidOptions(what: string, problems: readonly OptionProblem[]): TracingError {
  return new TracingError(TracingErrorCode.INVALID_OPTIONS, `${what}: ${formatProblems(problems)}`, {
    problems,
  });
}

/**
 * Joins messages like apimachinery's `utilerrors.NewAggregate(...).Error()`: one message as is,
 * several as `[a, b]`, duplicates dropped. Kubernetes' messages carry their field path already.
 */
export function aggregate(problems: readonly { readonly message: string }[]): string {
  const messages = [...new Set(problems.map((p) => p.message))];
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}
