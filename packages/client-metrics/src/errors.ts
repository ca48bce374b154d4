import { KubediagError, formatProblems, type OptionProblem } from '@kubediag/options';

/** Stable codes of every error `@kubediag/client-metrics` throws; listed in its README. */
export const ClientMetricsErrorCode = {
  /** createClientMetrics options failed validation; `problems` lists every one. */
  INVALID_OPTIONS: 'KDIAG_CLIENT_METRICS_INVALID_OPTIONS',
  /**
   * observeInformer or leaderElection was given a name that is not a non-empty string, or
   * observeInformer something that is not a client-node informer (`makeInformer`'s ListWatch, whose
   * watch it observes), an informer observed already, or a name in use.
   */
  INVALID_ARGUMENT: 'KDIAG_CLIENT_METRICS_INVALID_ARGUMENT',
} as const;
/** One of the {@link ClientMetricsErrorCode} values. */
export type ClientMetricsErrorCode = (typeof ClientMetricsErrorCode)[keyof typeof ClientMetricsErrorCode];

/** The one error class of `@kubediag/client-metrics`; branch on `code`. */
export class ClientMetricsError extends KubediagError<ClientMetricsErrorCode> {
  override readonly name = 'ClientMetricsError';
}

/** True for a {@link ClientMetricsError}, optionally with the given code. */
export function isClientMetricsError(err: unknown, code?: ClientMetricsErrorCode): err is ClientMetricsError {
  return err instanceof ClientMetricsError && (code === undefined || err.code === code);
}

/** The KDIAG_CLIENT_METRICS_INVALID_OPTIONS error of `what` ("invalid client metrics options"). */
export function invalidOptions(what: string, problems: readonly OptionProblem[]): ClientMetricsError {
  return new ClientMetricsError(
    ClientMetricsErrorCode.INVALID_OPTIONS,
    `${what}: ${formatProblems(problems)}`,
    {
      problems,
    },
  );
}
