import { describe, expect, it } from 'vitest';
import { validateTracingConfiguration } from '@kubediag/tracing-config';

const SCHEME_HELP =
  'Options are none, dns, unix, or unix-abstract.  See https://github.com/grpc/grpc/blob/master/doc/naming.md';

function messages(config: Parameters<typeof validateTracingConfiguration>[0], path?: string): string[] {
  return validateTracingConfiguration(config, path).map((p) => p.message);
}

describe('validateTracingConfiguration', () => {
  it('accepts an empty configuration and the documented examples', () => {
    expect(messages({})).toEqual([]);
    expect(messages(undefined)).toEqual([]);
    expect(messages({ endpoint: 'otel-collector.observability:4317', samplingRatePerMillion: 100 })).toEqual(
      [],
    );
    expect(messages({ endpoint: 'localhost:4317', samplingRatePerMillion: 1_000_000 })).toEqual([]);
    expect(messages({ samplingRatePerMillion: 0 })).toEqual([]);
  });

  it('rejects a negative sampling rate with component-base message', () => {
    expect(messages({ samplingRatePerMillion: -1 })).toEqual([
      'samplingRatePerMillion: Invalid value: -1: sampling rate must be positive',
    ]);
  });

  it('rejects a sampling rate above one million', () => {
    expect(messages({ samplingRatePerMillion: 1_000_001 })).toEqual([
      'samplingRatePerMillion: Invalid value: 1000001: sampling rate per million must be less than or equal to one million',
    ]);
  });

  it('accepts the schemes dns, unix and unix-abstract', () => {
    for (const endpoint of [
      'dns:///collector:4317',
      'dns://8.8.8.8/collector:4317',
      'unix:///run/otel.sock',
      'unix-abstract:///otel',
      '[::1]:4317',
    ]) {
      expect(messages({ endpoint }), endpoint).toEqual([]);
    }
  });

  it('rejects other schemes with the two-space text and shows the value as written', () => {
    expect(messages({ endpoint: 'http://x:4317' })).toEqual([
      `endpoint: Invalid value: "http://x:4317": unsupported scheme: http.  ${SCHEME_HELP}`,
    ]);
    expect(messages({ endpoint: 'HTTPS://x:4317' })).toEqual([
      `endpoint: Invalid value: "HTTPS://x:4317": unsupported scheme: https.  ${SCHEME_HELP}`,
    ]);
  });

  it('prepends dns:// to an endpoint without "//" and shows the prefixed value in errors', () => {
    expect(messages({ endpoint: 'a b:4317' })).toEqual([
      'endpoint: Invalid value: "dns://a b:4317": parse "dns://a b:4317": invalid character " " in host name',
    ]);
    expect(messages({ endpoint: 'host:abc' })).toEqual([
      'endpoint: Invalid value: "dns://host:abc": parse "dns://host:abc": invalid port ":abc" after host',
    ]);
  });

  it("reports Go's url.Parse errors verbatim", () => {
    expect(messages({ endpoint: '://x' })).toEqual([
      'endpoint: Invalid value: "://x": parse "://x": missing protocol scheme',
    ]);
    expect(messages({ endpoint: 'a\tb' })).toEqual([
      'endpoint: Invalid value: "dns://a\\tb": parse "dns://a\\tb": net/url: invalid control character in URL',
    ]);
    expect(messages({ endpoint: 'a%zz:1' })).toEqual([
      'endpoint: Invalid value: "dns://a%zz:1": parse "dns://a%zz:1": invalid URL escape "%zz"',
    ]);
    expect(messages({ endpoint: '[::1:4317' })).toEqual([
      'endpoint: Invalid value: "dns://[::1:4317": parse "dns://[::1:4317": missing \']\' in host',
    ]);
    expect(messages({ endpoint: 'x[::1]:1' })).toEqual([
      'endpoint: Invalid value: "dns://x[::1]:1": parse "dns://x[::1]:1": invalid IP-literal',
    ]);
  });

  it('reports every problem, sampling rate first, like component-base', () => {
    expect(messages({ endpoint: 'http://x:4317', samplingRatePerMillion: -1 })).toEqual([
      'samplingRatePerMillion: Invalid value: -1: sampling rate must be positive',
      `endpoint: Invalid value: "http://x:4317": unsupported scheme: http.  ${SCHEME_HELP}`,
    ]);
  });

  it('puts field paths under the given path (the kubelet validates at "tracing")', () => {
    const problems = validateTracingConfiguration(
      { samplingRatePerMillion: -1, endpoint: 'http://x' },
      'tracing',
    );
    expect(problems.map((p) => p.path)).toEqual(['tracing.samplingRatePerMillion', 'tracing.endpoint']);
    expect(problems[0]!.message).toBe(
      'tracing.samplingRatePerMillion: Invalid value: -1: sampling rate must be positive',
    );
    expect(problems[0]!.type).toBe('FieldValueInvalid');
  });
});
