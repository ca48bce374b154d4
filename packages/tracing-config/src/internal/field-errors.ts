// apimachinery's field.Error text (`<field>: <Type>: <value>: <detail>`), for the few error types
// this package reports. Values print like Go's fmt: strings %q-quoted, numbers bare. The message
// keeps Kubernetes' field path; the problem's `path` is the same field in kubediag's path syntax.
import { joinPath } from '@kubediag/options';
import type { TracingConfigProblem } from '../problem.ts';
import { goQuote } from './go-quote.ts';

function formatValue(value: string | number | boolean): string {
  return typeof value === 'string' ? goQuote(value) : String(value);
}

/**
 * A Kubernetes field path made of known field names and `embeddedAt` segments (`tracing.endpoint`),
 * in kubediag's path syntax. None of those segments holds a dot, so splitting on dots is exact.
 */
export function optionPath(field: string): string {
  if (field === '') return '';
  return field.split('.').reduce<string>((parent, key) => joinPath(parent, key), '');
}

export function invalid(
  field: string,
  value: string | number,
  detail: string,
  line?: number,
): TracingConfigProblem {
  return withLine(
    {
      path: optionPath(field),
      type: 'FieldValueInvalid',
      message: `${field}: Invalid value: ${formatValue(value)}: ${detail}`,
    },
    line,
  );
}

export function required(field: string, detail: string, line?: number): TracingConfigProblem {
  return withLine(
    { path: optionPath(field), type: 'FieldValueRequired', message: `${field}: Required value: ${detail}` },
    line,
  );
}

export function notSupported(
  field: string,
  value: string,
  supported: readonly string[],
  line?: number,
): TracingConfigProblem {
  const list = supported.map((s) => goQuote(s)).join(', ');
  return withLine(
    {
      path: optionPath(field),
      type: 'FieldValueNotSupported',
      message: `${field}: Unsupported value: ${goQuote(value)}: supported values: ${list}`,
    },
    line,
  );
}

export function withLine(problem: TracingConfigProblem, line: number | undefined): TracingConfigProblem {
  return line === undefined ? problem : { ...problem, line };
}
