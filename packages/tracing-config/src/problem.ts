import type { OptionProblem } from '@kubediag/options';

/** What kind of problem a {@link TracingConfigProblem} is (apimachinery's field.ErrorType names where one exists). */
export type TracingConfigProblemType =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueUnknown'
  | 'FieldValueDuplicate';

/**
 * One problem in a tracing configuration: an {@link OptionProblem} with apimachinery's error type
 * and the line it was found on.
 *
 * `message` is the full text Kubernetes prints for it, e.g.
 * `samplingRatePerMillion: Invalid value: -1: sampling rate must be positive` or
 * `unknown field "foo"`; `path` is the field path in kubediag's syntax (`tracing.endpoint` for an
 * embedded block, `list[0]`, `["odd key"]`).
 */
export interface TracingConfigProblem extends OptionProblem {
  readonly type: TracingConfigProblemType;
  /** 1-based line in the file, when the problem comes from a parsed document. */
  readonly line?: number;
}
