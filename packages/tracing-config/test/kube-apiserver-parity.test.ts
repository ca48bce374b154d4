// Compares decoding and validation with what kube-apiserver v1.35.4 itself says about the same
// files. fixtures/kube-apiserver-v1.35.4.json was produced by fixtures/oracle/main.go, which runs
// the apiserver's own ReadTracingConfiguration (strict codecs) and component-base's
// ValidateTracingConfiguration on every file in fixtures/k8s.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTracingConfiguration, isTracingError, TracingError } from '@kubediag/tracing-config';

// Fixture files end in .txt so formatters leave their exact bytes (quoting, malformed YAML) alone.
const dir = join(import.meta.dirname, 'fixtures', 'k8s');
const golden = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'kube-apiserver-v1.35.4.json'), 'utf8'),
) as Record<string, string>;

// Files where kubediag deliberately differs, and how (README "Differences from kube-apiserver").
const DIVERGENT: Readonly<Record<string, string>> = {
  'badkind.yaml.txt': 'field-style message instead of "no kind ... is registered"',
  'badver.yaml.txt': 'field-style message instead of "no kind ... is registered"',
  'dup.yaml.txt': '`duplicate field "endpoint"` for YAML too, instead of go-yaml\'s multi-line text',
  'empty.yaml.txt': 'an empty file is an error, not tracing with defaults',
  'noapi.yaml.txt': 'apiVersion is required',
  'nokind.yaml.txt': 'kind is required',
  'list.yaml.txt': 'a non-mapping document is malformed, with a shorter message',
  'malformed.yaml.txt': "YAML syntax errors come from the yaml package's parser",
  'multi.yaml.txt': 'several documents are an error instead of reading the first',
  'typeunknown.yaml.txt': 'every problem is reported, not only the first decoding stage',
  'unknownbad.yaml.txt': 'every problem is reported, not only the first decoding stage',
};

function decode(file: string): ReturnType<typeof decodeTracingConfiguration> {
  return decodeTracingConfiguration(readFileSync(join(dir, file)), { source: file });
}

function problemsOf(file: string): string[] {
  try {
    decode(file);
  } catch (err) {
    if (isTracingError(err, 'KDIAG_TRACING_CONFIG_INVALID')) return err.problems.map((p) => p.message);
    throw err;
  }
  throw new Error(`${file}: expected an invalid configuration`);
}

const READ_PREFIX = 'failed to read tracing config: unable to decode tracing configuration data: ';
const VALIDATE_PREFIX = 'failed to validate tracing configuration: ';

describe('parity with kube-apiserver v1.35.4', () => {
  const files = readdirSync(dir).filter((f) => !(f in DIVERGENT));

  it('has a golden answer for every fixture', () => {
    expect(readdirSync(dir).sort()).toEqual(Object.keys(golden).sort());
    expect(files.length).toBeGreaterThan(35);
  });

  it.each(files)('%s: same result and same message', (file) => {
    const expected = golden[file]!;
    if (expected.startsWith('ok ')) {
      const k8s = JSON.parse(expected.slice(3)) as { endpoint?: string; samplingRatePerMillion?: number };
      const ours = decode(file)!;
      expect({ endpoint: ours.endpoint, samplingRatePerMillion: ours.samplingRatePerMillion }).toEqual({
        endpoint: k8s.endpoint,
        samplingRatePerMillion: k8s.samplingRatePerMillion,
      });
    } else if (expected.startsWith(VALIDATE_PREFIX)) {
      const err = (() => {
        try {
          decode(file);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isTracingError(err, 'KDIAG_TRACING_CONFIG_INVALID')).toBe(true);
      // Same aggregate text: one message bare, several as [a, b].
      expect((err as TracingError).message).toBe(
        `invalid tracing configuration in ${file}: ${expected.slice(VALIDATE_PREFIX.length)}`,
      );
    } else if (expected.startsWith(`${READ_PREFIX}strict decoding error: `)) {
      const listed = expected.slice(`${READ_PREFIX}strict decoding error: `.length).split(', ');
      expect(problemsOf(file)).toEqual(listed);
    } else {
      expect(expected.startsWith(READ_PREFIX), expected).toBe(true);
      expect(problemsOf(file)).toEqual([expected.slice(READ_PREFIX.length)]);
    }
  });

  it("reports kube-apiserver's first problem among all of ours where it stops early", () => {
    expect(problemsOf('typeunknown.yaml.txt')).toContain(
      golden['typeunknown.yaml.txt']!.slice(READ_PREFIX.length),
    );
    expect(problemsOf('unknownbad.yaml.txt')).toEqual([
      'unknown field "foo"',
      'samplingRatePerMillion: Invalid value: -5: sampling rate must be positive',
    ]);
  });

  it('is stricter than kube-apiserver where it would silently accept a file', () => {
    expect(golden['empty.yaml.txt']).toBe('ok {}');
    expect(() => decode('empty.yaml.txt')).toThrow(
      expect.objectContaining({ code: 'KDIAG_TRACING_CONFIG_EMPTY' }),
    );
    expect(golden['noapi.yaml.txt']).toMatch(/^ok /);
    expect(problemsOf('noapi.yaml.txt')).toEqual([
      'apiVersion: Required value: must be one of apiserver.config.k8s.io/v1, apiserver.config.k8s.io/v1beta1, apiserver.config.k8s.io/v1alpha1',
    ]);
    expect(golden['nokind.yaml.txt']).toMatch(/^ok /);
    expect(problemsOf('nokind.yaml.txt')).toEqual(['kind: Required value: must be TracingConfiguration']);
    expect(golden['multi.yaml.txt']).toMatch(/^ok /);
    expect(() => decode('multi.yaml.txt')).toThrow(
      expect.objectContaining({
        code: 'KDIAG_TRACING_CONFIG_MALFORMED',
        message: expect.stringContaining('found 2 YAML documents'),
      }),
    );
  });

  it('rejects what kube-apiserver rejects, with clearer messages', () => {
    expect(golden['badver.yaml.txt']).toContain(
      'no kind "TracingConfiguration" is registered for version "apiserver.config.k8s.io/v2"',
    );
    expect(problemsOf('badver.yaml.txt')).toEqual([
      'apiVersion: Unsupported value: "apiserver.config.k8s.io/v2": supported values: "apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1beta1", "apiserver.config.k8s.io/v1alpha1"',
    ]);
    expect(golden['badkind.yaml.txt']).toContain('no kind "Foo" is registered');
    expect(problemsOf('badkind.yaml.txt')).toEqual([
      'kind: Unsupported value: "Foo": supported values: "TracingConfiguration"',
    ]);
    expect(golden['dup.yaml.txt']).toContain('key "endpoint" already set in map');
    expect(problemsOf('dup.yaml.txt')).toEqual(['duplicate field "endpoint"']);
    for (const file of ['list.yaml.txt', 'malformed.yaml.txt']) {
      expect(golden[file]).toMatch(/^failed to read tracing config/);
      expect(() => decode(file)).toThrow(TracingError);
      expect(() => decode(file)).toThrow(expect.objectContaining({ code: 'KDIAG_TRACING_CONFIG_MALFORMED' }));
    }
  });
});
