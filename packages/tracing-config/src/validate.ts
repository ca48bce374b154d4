// component-base tracing/api/v1 ValidateTracingConfiguration: same checks, same order, same
// messages, field paths relative to `fieldPath` (nil in kube-apiserver, `tracing` in the kubelet).
import { invalid } from './internal/field-errors.ts';
import { goParseUrl } from './internal/go-url.ts';
import type { TracingConfigProblem } from './problem.ts';
import { MAX_SAMPLING_RATE_PER_MILLION, type TracingConfiguration } from './types.ts';

const ALLOWED_SCHEMES = new Set(['dns', 'unix', 'unix-abstract']);

function child(fieldPath: string | undefined, name: string): string {
  return fieldPath === undefined || fieldPath === '' ? name : `${fieldPath}.${name}`;
}

/**
 * Validates a decoded configuration exactly as Kubernetes does and returns every problem (empty
 * when valid). `fieldPath` prefixes the field paths, e.g. `'tracing'` for a kubelet-style block.
 */
export function validateTracingConfiguration(
  config: TracingConfiguration | undefined,
  fieldPath?: string,
): TracingConfigProblem[] {
  const problems: TracingConfigProblem[] = [];
  if (config === undefined) return problems;
  if (config.samplingRatePerMillion !== undefined) {
    problems.push(
      ...validateSamplingRate(config.samplingRatePerMillion, child(fieldPath, 'samplingRatePerMillion')),
    );
  }
  if (config.endpoint !== undefined) {
    problems.push(...validateEndpoint(config.endpoint, child(fieldPath, 'endpoint')));
  }
  return problems;
}

function validateSamplingRate(rate: number, path: string): TracingConfigProblem[] {
  const problems: TracingConfigProblem[] = [];
  if (rate < 0) problems.push(invalid(path, rate, 'sampling rate must be positive'));
  if (rate > MAX_SAMPLING_RATE_PER_MILLION) {
    problems.push(invalid(path, rate, 'sampling rate per million must be less than or equal to one million'));
  }
  return problems;
}

function validateEndpoint(endpoint: string, path: string): TracingConfigProblem[] {
  // As in Kubernetes: without "//" the endpoint is a bare gRPC target and gets the dns scheme, and
  // messages show the prefixed value.
  const target = endpoint.includes('//') ? endpoint : `dns://${endpoint}`;
  const parsed = goParseUrl(target);
  if (!parsed.ok) return [invalid(path, target, parsed.error)];
  if (ALLOWED_SCHEMES.has(parsed.scheme)) return [];
  return [
    invalid(
      path,
      target,
      // Two spaces after each period, and "none" listed though rejected: Kubernetes' exact text.
      `unsupported scheme: ${parsed.scheme}.  Options are none, dns, unix, or unix-abstract.  See https://github.com/grpc/grpc/blob/master/doc/naming.md`,
    ),
  ];
}
