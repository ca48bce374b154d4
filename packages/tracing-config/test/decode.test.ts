import { describe, expect, it } from 'vitest';
import {
  decodeTracingConfiguration,
  isTracingError,
  TracingErrorCode,
  type TracingConfigProblem,
} from '@kubediag/tracing-config';

const HEAD = 'apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\n';

function problems(text: string, embeddedAt?: string): TracingConfigProblem[] {
  try {
    decodeTracingConfiguration(text, embeddedAt === undefined ? {} : { embeddedAt });
  } catch (err) {
    // A configuration's problems carry apimachinery's type and the line besides path and message.
    if (isTracingError(err, TracingErrorCode.CONFIG_INVALID))
      return [...(err.problems as readonly TracingConfigProblem[])];
    throw err;
  }
  throw new Error('expected an invalid configuration');
}

describe('decodeTracingConfiguration', () => {
  it('decodes every accepted apiVersion into a typed configuration', () => {
    for (const v of ['v1', 'v1beta1', 'v1alpha1']) {
      const config = decodeTracingConfiguration(
        `apiVersion: apiserver.config.k8s.io/${v}\nkind: TracingConfiguration\nendpoint: collector:4317\nsamplingRatePerMillion: 250\n`,
      );
      expect(config).toEqual({
        apiVersion: `apiserver.config.k8s.io/${v}`,
        kind: 'TracingConfiguration',
        endpoint: 'collector:4317',
        samplingRatePerMillion: 250,
      });
      expect(Object.isFrozen(config)).toBe(true);
    }
  });

  it('decodes JSON', () => {
    expect(
      decodeTracingConfiguration(
        '{"apiVersion":"apiserver.config.k8s.io/v1","kind":"TracingConfiguration","samplingRatePerMillion":7}',
      ),
    ).toMatchObject({ samplingRatePerMillion: 7 });
  });

  it('reads YAML 1.1 like go-yaml: yes is a boolean, 017 is octal, 1:20 is a string', () => {
    expect(problems(`${HEAD}endpoint: yes\n`).map((p) => p.message)).toEqual([
      'json: cannot unmarshal bool into Go struct field TracingConfiguration.TracingConfiguration.endpoint of type string',
    ]);
    expect(decodeTracingConfiguration(`${HEAD}samplingRatePerMillion: 017\n`)?.samplingRatePerMillion).toBe(
      15,
    );
    expect(decodeTracingConfiguration(`${HEAD}samplingRatePerMillion: 0x10\n`)?.samplingRatePerMillion).toBe(
      16,
    );
    expect(decodeTracingConfiguration(`${HEAD}samplingRatePerMillion: 1_000\n`)?.samplingRatePerMillion).toBe(
      1000,
    );
    expect(decodeTracingConfiguration(`${HEAD}samplingRatePerMillion: 1e3\n`)?.samplingRatePerMillion).toBe(
      1000,
    );
    expect(problems(`${HEAD}samplingRatePerMillion: 1:20\n`).map((p) => p.message)).toEqual([
      'json: cannot unmarshal string into Go struct field TracingConfiguration.TracingConfiguration.samplingRatePerMillion of type int32',
    ]);
    expect(decodeTracingConfiguration(`${HEAD}endpoint: "yes"\n`)?.endpoint).toBe('yes');
  });

  it('reads JSON like encoding/json: 017 is malformed, 1e3 is not an int32', () => {
    expect(() =>
      decodeTracingConfiguration(
        '{"apiVersion":"apiserver.config.k8s.io/v1","kind":"TracingConfiguration","samplingRatePerMillion":017}',
      ),
    ).toThrow(expect.objectContaining({ code: 'KDIAG_TRACING_CONFIG_MALFORMED' }));
    expect(
      problems(
        '{"apiVersion":"apiserver.config.k8s.io/v1","kind":"TracingConfiguration","samplingRatePerMillion":1e3}',
      ).map((p) => p.message),
    ).toEqual([
      'json: cannot unmarshal number 1e3 into Go struct field TracingConfiguration.TracingConfiguration.samplingRatePerMillion of type int32',
    ]);
  });

  it('enforces the int32 range', () => {
    expect(problems(`${HEAD}samplingRatePerMillion: -2147483648\n`).map((p) => p.message)).toEqual([
      'samplingRatePerMillion: Invalid value: -2147483648: sampling rate must be positive',
    ]);
    expect(problems(`${HEAD}samplingRatePerMillion: -2147483649\n`).map((p) => p.type)).toEqual([
      'FieldValueTypeInvalid',
    ]);
    expect(problems(`${HEAD}samplingRatePerMillion: 2147483648\n`).map((p) => p.message)).toEqual([
      'json: cannot unmarshal number 2147483648 into Go struct field TracingConfiguration.TracingConfiguration.samplingRatePerMillion of type int32',
    ]);
    expect(problems(`${HEAD}samplingRatePerMillion: 2147483647\n`).map((p) => p.message)).toEqual([
      'samplingRatePerMillion: Invalid value: 2147483647: sampling rate per million must be less than or equal to one million',
    ]);
  });

  it('treats null fields as unset', () => {
    expect(decodeTracingConfiguration(`${HEAD}endpoint: ~\nsamplingRatePerMillion: null\n`)).toEqual({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'TracingConfiguration',
    });
  });

  it('lists every unknown and duplicate field with its line', () => {
    const list = problems(`${HEAD}zeta: 1\nendpoint: a:1\nalpha: 2\nendpoint: b:2\n`);
    expect(list).toEqual([
      { path: 'endpoint', type: 'FieldValueDuplicate', message: 'duplicate field "endpoint"', line: 6 },
      { path: 'alpha', type: 'FieldValueUnknown', message: 'unknown field "alpha"', line: 5 },
      { path: 'zeta', type: 'FieldValueUnknown', message: 'unknown field "zeta"', line: 3 },
    ]);
  });

  it('aggregates all problems into one message like apimachinery', () => {
    let error: unknown;
    try {
      decodeTracingConfiguration(`${HEAD}samplingRatePerMillion: -1\nendpoint: http://x:4317\n`, {
        source: '/etc/t.yaml',
      });
    } catch (err) {
      error = err;
    }
    expect(isTracingError(error, TracingErrorCode.CONFIG_INVALID)).toBe(true);
    expect((error as { code: string }).code).toBe('KDIAG_TRACING_CONFIG_INVALID');
    expect((error as Error).message).toBe(
      'invalid tracing configuration in /etc/t.yaml: [samplingRatePerMillion: Invalid value: -1: sampling rate must be positive, ' +
        'endpoint: Invalid value: "http://x:4317": unsupported scheme: http.  Options are none, dns, unix, or unix-abstract.  ' +
        'See https://github.com/grpc/grpc/blob/master/doc/naming.md]',
    );
  });

  it('requires apiVersion and kind of a standalone file and names the accepted values', () => {
    expect(problems('endpoint: a:1\n').map((p) => p.path)).toEqual(['apiVersion', 'kind']);
    expect(problems('apiVersion: 1\nkind: TracingConfiguration\n').map((p) => p.message)).toEqual([
      'json: cannot unmarshal number into Go struct field TracingConfiguration.apiVersion of type string',
    ]);
  });

  it('refuses empty and comment-only input, malformed YAML, several documents and non-mappings', () => {
    for (const text of ['', '   \n', '# only a comment\n', '---\n']) {
      expect(() => decodeTracingConfiguration(text, { source: 'f.yaml' }), JSON.stringify(text)).toThrow(
        expect.objectContaining({
          code: 'KDIAG_TRACING_CONFIG_EMPTY',
          message:
            'tracing config file was empty: f.yaml holds no YAML or JSON document; expected a TracingConfiguration',
        }),
      );
    }
    expect(() => decodeTracingConfiguration(`${HEAD}endpoint: [a\n`, { source: 'f.yaml' })).toThrow(
      expect.objectContaining({
        code: 'KDIAG_TRACING_CONFIG_MALFORMED',
        message: expect.stringMatching(
          /^unable to decode tracing configuration data: f\.yaml: yaml: line \d+: /,
        ),
      }),
    );
    expect(() => decodeTracingConfiguration('- a\n')).toThrow(
      expect.objectContaining({
        code: 'KDIAG_TRACING_CONFIG_MALFORMED',
        message:
          'unable to decode tracing configuration data: input: json: cannot unmarshal array into Go value of type TracingConfiguration',
      }),
    );
    expect(() => decodeTracingConfiguration(new Uint8Array([0x61, 0x3a, 0x20, 0xff]))).toThrow(
      expect.objectContaining({
        code: 'KDIAG_TRACING_CONFIG_MALFORMED',
        message: expect.stringContaining('not valid UTF-8'),
      }),
    );
  });

  it('applies YAML 1.1 merge keys like go-yaml, explicit keys first, and checks merged fields too', () => {
    const base = 'defaults: &d\n  endpoint: otel:4317\n  samplingRatePerMillion: 1\nextra: &e\n  foo: 1\n';
    expect(
      decodeTracingConfiguration(`${base}tracing:\n  <<: *d\n  samplingRatePerMillion: 5\n`, {
        embeddedAt: 'tracing',
      }),
    ).toEqual({ endpoint: 'otel:4317', samplingRatePerMillion: 5 });
    expect(problems(`${base}tracing:\n  <<: [*d, *e]\n`, 'tracing').map((p) => p.message)).toEqual([
      'unknown field "tracing.foo"',
    ]);
    expect(() => decodeTracingConfiguration(`${base}tracing:\n  <<: 1\n`, { embeddedAt: 'tracing' })).toThrow(
      expect.objectContaining({ code: 'KDIAG_TRACING_CONFIG_MALFORMED' }),
    );
  });

  it('bounds alias expansion (billion laughs)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      lines.push(
        `${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`,
      );
    expect(() => decodeTracingConfiguration(`${HEAD}${lines.join('\n')}\n`)).toThrow(
      expect.objectContaining({
        code: 'KDIAG_TRACING_CONFIG_MALFORMED',
        message: expect.stringContaining('too many alias'),
      }),
    );
  });

  describe("embedded block (the kubelet's tracing:)", () => {
    const KUBELET =
      'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nsomethingElse: true\n';

    it('decodes the block and ignores the rest of the document', () => {
      expect(
        decodeTracingConfiguration(
          `${KUBELET}tracing:\n  endpoint: otel:4317\n  samplingRatePerMillion: 10\n`,
          { embeddedAt: 'tracing' },
        ),
      ).toEqual({ endpoint: 'otel:4317', samplingRatePerMillion: 10 });
    });

    it('returns undefined when the block is absent or null (tracing off)', () => {
      expect(decodeTracingConfiguration(KUBELET, { embeddedAt: 'tracing' })).toBeUndefined();
      expect(
        decodeTracingConfiguration(`${KUBELET}tracing: null\n`, { embeddedAt: 'tracing' }),
      ).toBeUndefined();
    });

    it('reports problems with field paths under the block', () => {
      expect(
        problems(
          `${KUBELET}tracing:\n  samplingRatePerMillion: -1\n  endpoint: yes\n  extra: 1\n`,
          'tracing',
        ).map((p) => p.message),
      ).toEqual([
        'unknown field "tracing.extra"',
        'json: cannot unmarshal bool into Go struct field KubeletConfiguration.tracing.endpoint of type string',
        'tracing.samplingRatePerMillion: Invalid value: -1: sampling rate must be positive',
      ]);
    });

    it('follows a dotted path', () => {
      expect(
        problems(
          'spec:\n  observability:\n    tracing:\n      samplingRatePerMillion: 1000001\n',
          'spec.observability.tracing',
        ).map((p) => p.message),
      ).toEqual([
        'spec.observability.tracing.samplingRatePerMillion: Invalid value: 1000001: sampling rate per million must be less than or equal to one million',
      ]);
    });

    it('rejects a block that is not a mapping', () => {
      expect(problems(`${KUBELET}tracing: on\n`, 'tracing').map((p) => p.message)).toEqual([
        'json: cannot unmarshal bool into Go struct field KubeletConfiguration.tracing of type TracingConfiguration',
      ]);
    });
  });
});
