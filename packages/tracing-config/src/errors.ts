// Every error this package throws: a stable `code` to branch on, a lowercase message that reads
// as a context chain ("what failed: why"), and the underlying `cause` when there is one.
import type { TracingConfigProblem } from './problem.ts';

/** Stable error codes, listed in the README's Errors section. */
export const TracingErrorCode = {
  /** The configured path is the empty string (Kubernetes: `tracing config file was empty`). */
  PATH_EMPTY: 'KDIAG_TRACING_CONFIG_PATH_EMPTY',
  /** No file at the path (Kubernetes: `tracing-config-file <path> does not exist`). */
  NOT_FOUND: 'KDIAG_TRACING_CONFIG_NOT_FOUND',
  /** The file exists but cannot be read (permissions, a directory, I/O). */
  UNREADABLE: 'KDIAG_TRACING_CONFIG_UNREADABLE',
  /** The file is larger than `maxBytes`. */
  TOO_LARGE: 'KDIAG_TRACING_CONFIG_TOO_LARGE',
  /** The file holds no document (empty, whitespace or comments only). */
  EMPTY: 'KDIAG_TRACING_CONFIG_EMPTY',
  /** Not parseable YAML/JSON, several documents, or not a mapping. */
  MALFORMED: 'KDIAG_TRACING_CONFIG_MALFORMED',
  /** Parsed, but has unknown/duplicate fields, wrong types, apiVersion/kind, or fails validation. */
  INVALID: 'KDIAG_TRACING_CONFIG_INVALID',
  /** Provider options are invalid (see `problems`). */
  OPTIONS_INVALID: 'KDIAG_TRACING_OPTIONS_INVALID',
  /** A TLS file for the collector connection cannot be read. */
  TLS_UNREADABLE: 'KDIAG_TRACING_TLS_UNREADABLE',
  /** The endpoint is valid Kubernetes syntax but the Node.js OTLP exporter cannot dial it. */
  ENDPOINT_UNSUPPORTED: 'KDIAG_TRACING_ENDPOINT_UNSUPPORTED',
  /** Flushing spans to the collector failed. */
  EXPORT_FAILED: 'KDIAG_TRACING_EXPORT_FAILED',
  /** `shutdown()` did not finish within `shutdownTimeoutMs`. */
  SHUTDOWN_TIMEOUT: 'KDIAG_TRACING_SHUTDOWN_TIMEOUT',
} as const;

export type TracingErrorCode = (typeof TracingErrorCode)[keyof typeof TracingErrorCode];

/** Base class of every error thrown by @kubediag/tracing-config. */
export class TracingConfigError extends Error {
  readonly code: TracingErrorCode;

  constructor(code: TracingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TracingConfigError';
    this.code = code;
  }
}

/**
 * The configuration was read and parsed but is not acceptable. `problems` lists every problem
 * (not only the first), each with a field path and the message Kubernetes prints for it.
 */
export class TracingConfigInvalidError extends TracingConfigError {
  readonly problems: readonly TracingConfigProblem[];

  constructor(source: string, problems: readonly TracingConfigProblem[]) {
    super(TracingErrorCode.INVALID, `invalid tracing configuration in ${source}: ${aggregate(problems)}`);
    this.name = 'TracingConfigInvalidError';
    this.problems = problems;
  }
}

/** Provider options failed validation; `problems` lists every one. */
export class TracingOptionsError extends TracingConfigError {
  readonly problems: readonly TracingConfigProblem[];

  constructor(problems: readonly TracingConfigProblem[]) {
    super(
      TracingErrorCode.OPTIONS_INVALID,
      `invalid tracing provider options: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
    this.name = 'TracingOptionsError';
    this.problems = problems;
  }
}

/**
 * Joins messages like apimachinery's `utilerrors.NewAggregate(...).Error()`: one message as is,
 * several as `[a, b]`, duplicates dropped.
 */
export function aggregate(problems: readonly { readonly message: string }[]): string {
  const messages = [...new Set(problems.map((p) => p.message))];
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}
