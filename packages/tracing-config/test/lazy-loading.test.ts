// Tracing off costs nothing of OpenTelemetry but its API: importing the package (and a no-op
// provider, and trace-context injection) loads no SDK, no exporter, no grpc-js, no resources,
// not even @opentelemetry/core or yaml. Checked in a fresh Node process, where the module caches
// say what was really loaded (fixtures/loaded-packages.mts).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

type Step = 'imported' | 'tracingOff' | 'contextManager' | 'decoded' | 'tracingOn';
let loaded: Record<Step, string[]>;

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--conditions=@kubediag/source',
      '--import',
      'tsx',
      fileURLToPath(new URL('./fixtures/loaded-packages.mts', import.meta.url)),
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  loaded = JSON.parse(stdout) as Record<Step, string[]>;
}, 60_000);

/** The OpenTelemetry, gRPC and YAML packages among those loaded (not the child's tsx tooling). */
const tracingPackages = (step: Step): string[] =>
  loaded[step].filter((p) => p.startsWith('@opentelemetry/') || p.startsWith('@grpc/') || p === 'yaml');

const SDK = [
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@grpc/grpc-js',
  '@opentelemetry/resources',
];

describe('lazy loading', () => {
  it('importing the package loads @opentelemetry/api and nothing else of OpenTelemetry, gRPC or YAML', () => {
    expect(tracingPackages('imported')).toEqual(['@opentelemetry/api']);
  });

  it('a no-op provider (tracing off) and trace-context injection load nothing more', () => {
    expect(tracingPackages('tracingOff')).toEqual(['@opentelemetry/api']);
  });

  it('installContextManager loads @opentelemetry/context-async-hooks, on its first call', () => {
    expect(tracingPackages('contextManager')).toEqual([
      '@opentelemetry/api',
      '@opentelemetry/context-async-hooks',
    ]);
  });

  it('decoding a configuration loads yaml, on the first decode', () => {
    expect(tracingPackages('decoded')).toContain('yaml');
    expect(tracingPackages('decoded')).not.toContain('@opentelemetry/sdk-trace-node');
  });

  it('a provider with tracing on loads the SDK, the OTLP gRPC exporter, grpc-js and resources', () => {
    expect(tracingPackages('tracingOn')).toEqual(expect.arrayContaining(SDK));
  });
});
