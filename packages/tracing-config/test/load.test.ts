import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTracingConfiguration, TracingError } from '@kubediag/tracing-config';

const dir = mkdtempSync(join(tmpdir(), 'kdiag-tracing-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<TracingError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TracingError);
    return err as TracingError;
  }
  throw new Error('expected loadTracingConfiguration to fail');
}

describe('loadTracingConfiguration', () => {
  it('loads a valid file', async () => {
    const path = file(
      'ok.yaml',
      'apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\nsamplingRatePerMillion: 100\n',
    );
    await expect(loadTracingConfiguration(path)).resolves.toEqual({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'TracingConfiguration',
      samplingRatePerMillion: 100,
    });
  });

  it("reports a missing file with kube-apiserver's text", async () => {
    const path = join(dir, 'missing.yaml');
    const err = await failure(loadTracingConfiguration(path));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_NOT_FOUND');
    expect(err.message).toBe(`tracing-config-file ${path} does not exist`);
  });

  it("reports an empty path with kube-apiserver's text", async () => {
    const err = await failure(loadTracingConfiguration(''));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_PATH_EMPTY');
    expect(err.message).toBe('tracing config file was empty');
  });

  it('reports an empty file', async () => {
    const path = file('empty.yaml', '');
    const err = await failure(loadTracingConfiguration(path));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_EMPTY');
    expect(err.message).toBe(
      `tracing config file was empty: ${path} holds no YAML or JSON document; expected a TracingConfiguration`,
    );
  });

  it('reports an unreadable path (a directory) with a Go-like reason', async () => {
    const err = await failure(loadTracingConfiguration(dir));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_UNREADABLE');
    expect(err.message).toBe(
      `unable to read tracing configuration from "${dir}": read ${dir}: is a directory`,
    );
  });

  it('reports a path through a regular file as unreadable', async () => {
    const path = join(file('plain', 'x'), 'config.yaml');
    const err = await failure(loadTracingConfiguration(path));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_UNREADABLE');
    expect(err.message).toBe(
      `unable to read tracing configuration from "${path}": open ${path}: not a directory`,
    );
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('reports a symlink loop as unreadable', async () => {
    const a = join(dir, 'loop-a');
    symlinkSync(join(dir, 'loop-b'), a);
    symlinkSync(a, join(dir, 'loop-b'));
    const err = await failure(loadTracingConfiguration(a));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_UNREADABLE');
    expect(err.message).toContain('too many levels of symbolic links');
  });

  it('reports malformed YAML with the file name', async () => {
    const path = file('bad.yaml', 'apiVersion: [\n');
    const err = await failure(loadTracingConfiguration(path));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_MALFORMED');
    expect(err.message).toMatch(
      new RegExp(`^unable to decode tracing configuration data: ${path}: yaml: line \\d+: `),
    );
  });

  it('reports an invalid file with every problem', async () => {
    const path = file(
      'invalid.yaml',
      'apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\nfoo: 1\nsamplingRatePerMillion: -1\n',
    );
    const err = await failure(loadTracingConfiguration(path));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_INVALID');
    expect(err.message).toBe(
      `invalid tracing configuration in ${path}: [unknown field "foo", samplingRatePerMillion: Invalid value: -1: sampling rate must be positive]`,
    );
  });

  it('refuses a file larger than maxBytes without parsing it', async () => {
    const path = file('big.yaml', `# ${'x'.repeat(200)}\n`);
    const err = await failure(loadTracingConfiguration(path, { maxBytes: 100 }));
    expect(err.code).toBe('KDIAG_TRACING_CONFIG_TOO_LARGE');
    expect(err.message).toContain('expected at most 100');
  });

  it('loads an embedded block with paths under it, and undefined when it is absent', async () => {
    const path = file('kubelet.yaml', 'kind: KubeletConfiguration\ntracing:\n  endpoint: otel:4317\n');
    await expect(loadTracingConfiguration(path, { embeddedAt: 'tracing' })).resolves.toEqual({
      endpoint: 'otel:4317',
    });
    const none = file('kubelet-none.yaml', 'kind: KubeletConfiguration\n');
    await expect(loadTracingConfiguration(none, { embeddedAt: 'tracing' })).resolves.toBeUndefined();
    const bad = file(
      'kubelet-bad.yaml',
      'kind: KubeletConfiguration\ntracing:\n  samplingRatePerMillion: 2000000\n',
    );
    const err = await failure(loadTracingConfiguration(bad, { embeddedAt: 'tracing' }));
    expect(err.message).toContain(
      'tracing.samplingRatePerMillion: Invalid value: 2000000: sampling rate per million must be less than or equal to one million',
    );
  });
});
