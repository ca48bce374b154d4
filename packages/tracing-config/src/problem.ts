/** What kind of problem a {@link TracingConfigProblem} is (apimachinery's field.ErrorType names where one exists). */
export type TracingConfigProblemType =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueUnknown'
  | 'FieldValueDuplicate';

/**
 * One problem in a tracing configuration.
 *
 * `message` is the full text Kubernetes prints for it, e.g.
 * `samplingRatePerMillion: Invalid value: -1: sampling rate must be positive` or
 * `unknown field "foo"`; `path` is the field path (`tracing.endpoint` for an embedded block).
 */
export interface TracingConfigProblem {
  readonly path: string;
  readonly type: TracingConfigProblemType;
  readonly message: string;
  /** 1-based line in the file, when the problem comes from a parsed document. */
  readonly line?: number;
}
