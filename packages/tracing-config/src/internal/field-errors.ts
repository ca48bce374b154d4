// apimachinery's field.Error text (`<path>: <Type>: <value>: <detail>`), for the few error types
// this package reports. Values print like Go's fmt: strings %q-quoted, numbers bare.
import type { TracingConfigProblem } from '../problem.ts';
import { goQuote } from './go-quote.ts';

function formatValue(value: string | number | boolean): string {
  return typeof value === 'string' ? goQuote(value) : String(value);
}

export function invalid(
  path: string,
  value: string | number,
  detail: string,
  line?: number,
): TracingConfigProblem {
  return withLine(
    { path, type: 'FieldValueInvalid', message: `${path}: Invalid value: ${formatValue(value)}: ${detail}` },
    line,
  );
}

export function required(path: string, detail: string, line?: number): TracingConfigProblem {
  return withLine({ path, type: 'FieldValueRequired', message: `${path}: Required value: ${detail}` }, line);
}

export function notSupported(
  path: string,
  value: string,
  supported: readonly string[],
  line?: number,
): TracingConfigProblem {
  const list = supported.map((s) => goQuote(s)).join(', ');
  return withLine(
    {
      path,
      type: 'FieldValueNotSupported',
      message: `${path}: Unsupported value: ${goQuote(value)}: supported values: ${list}`,
    },
    line,
  );
}

export function withLine(problem: TracingConfigProblem, line: number | undefined): TracingConfigProblem {
  return line === undefined ? problem : { ...problem, line };
}
