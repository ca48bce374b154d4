import { trace } from '@opentelemetry/api';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createTracingProvider,
  decodeTracingConfiguration,
  isTracingError,
  loadTracingConfiguration,
  resolveTracingProviderOptions,
  validateTracingProviderOptions,
  withReconcileSpan,
  type ResolvedTracingProviderOptions,
  type TracingConfiguration,
  type TracingError,
  type TracingProviderOptions,
} from '@kubediag/tracing-config';

// Every options object of the package refuses a key it does not know, at every depth, with its full
// path and the key it most likely meant: KDIAG_TRACING_INVALID_OPTIONS, before anything is done.
async function refused(run: () => unknown): Promise<TracingError> {
  let thrown: unknown;
  try {
    await run();
  } catch (err) {
    thrown = err;
  }
  if (!isTracingError(thrown, 'KDIAG_TRACING_INVALID_OPTIONS'))
    throw new Error(`not refused: ${String(thrown)}`);
  return thrown;
}

const VALID = 'apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\n';
const tracer = trace.getTracer('options-test');

describe('a misspelled key is refused with its path', () => {
  it('createTracingProvider options', async () => {
    const err = await refused(() =>
      createTracingProvider(undefined, { serviceName: 'op', registr: false } as TracingProviderOptions),
    );
    expect(err.problems).toEqual([{ path: 'registr', message: 'unknown option; did you mean "register"?' }]);
    expect(err.message).toBe(
      'invalid tracing provider options: registr: unknown option; did you mean "register"?',
    );
  });

  it('createTracingProvider tls block', async () => {
    const err = await refused(() =>
      createTracingProvider(undefined, {
        serviceName: 'op',
        register: false,
        tls: { caFle: '/ca.pem' } as never,
      }),
    );
    expect(err.problems).toEqual([{ path: 'tls.caFle', message: 'unknown option; did you mean "caFile"?' }]);
  });

  it('the configuration object given to createTracingProvider', async () => {
    const config = { endpont: 'collector:4317' } as TracingConfiguration;
    const err = await refused(() => createTracingProvider(config, { serviceName: 'op', register: false }));
    expect(err.problems).toEqual([
      { path: 'config.endpont', message: 'unknown option; did you mean "endpoint"?' },
    ]);
  });

  it('loadTracingConfiguration options', async () => {
    const err = await refused(() => loadTracingConfiguration('/nonexistent', { maxByte: 10 } as never));
    expect(err.problems).toEqual([{ path: 'maxByte', message: 'unknown option; did you mean "maxBytes"?' }]);
  });

  it('decodeTracingConfiguration options', async () => {
    const err = await refused(() => decodeTracingConfiguration(VALID, { embededAt: 'tracing' } as never));
    expect(err.problems).toEqual([
      { path: 'embededAt', message: 'unknown option; did you mean "embeddedAt"?' },
    ]);
  });

  it('withReconcileSpan options and request', async () => {
    const request = { controller: 'memcached', name: 'm1' };
    let ran = false;
    const run = () => {
      ran = true;
    };
    const options = await refused(() => withReconcileSpan(tracer, request, run, { spanNme: 'x' } as never));
    expect(options.problems).toEqual([
      { path: 'spanNme', message: 'unknown option; did you mean "spanName"?' },
    ]);
    const req = await refused(() =>
      withReconcileSpan(tracer, { ...request, namepsace: 'prod' } as never, run),
    );
    expect(req.problems).toEqual([
      { path: 'request.namepsace', message: 'unknown option; did you mean "namespace"?' },
    ]);
    expect(ran).toBe(false);
  });
});

describe('option values', () => {
  it('resolved options can be passed where options are taken (a composition root passes them on)', async () => {
    expectTypeOf<ResolvedTracingProviderOptions>().toExtend<TracingProviderOptions>();
    const resolved = resolveTracingProviderOptions({ serviceName: 'op', register: false });
    expect((await createTracingProvider(undefined, resolved)).enabled).toBe(false);
  });

  it('are refused with their paths, every problem at once', () => {
    const problems = validateTracingProviderOptions(
      resolveTracingProviderOptions({
        serviceName: 'op',
        resourceAttributes: { 'service.version': {} as never },
        shutdownTimeoutMs: 1.5,
        spanProcessors: [{} as never],
      }),
    );
    expect(problems).toEqual([
      {
        path: 'resourceAttributes["service.version"]',
        message: 'expected a string, number or boolean, got an object',
      },
      {
        path: 'shutdownTimeoutMs',
        message: 'expected a duration in milliseconds from 1 to 2147483647, got 1.5',
      },
      {
        path: 'spanProcessors[0]',
        message:
          'expected a SpanProcessor (an object with onStart, onEnd, forceFlush and shutdown), got an object',
      },
    ]);
  });

  it('maxBytes takes a byte count or Infinity; embeddedAt a dotted path', async () => {
    await expect(loadTracingConfiguration('/nonexistent', { maxBytes: Infinity })).rejects.toMatchObject({
      code: 'KDIAG_TRACING_CONFIG_NOT_FOUND',
    });
    const err = await refused(() =>
      loadTracingConfiguration('/nonexistent', { maxBytes: -1, embeddedAt: 'a..b' }),
    );
    expect(err.problems.map((p) => p.path)).toEqual(['embeddedAt', 'maxBytes']);
  });

  it('a configuration object gets the validation a file gets, with Kubernetes messages', async () => {
    let thrown: unknown;
    try {
      await createTracingProvider({ samplingRatePerMillion: -1 }, { serviceName: 'op', register: false });
    } catch (err) {
      thrown = err;
    }
    expect(isTracingError(thrown, 'KDIAG_TRACING_CONFIG_INVALID')).toBe(true);
    expect((thrown as TracingError).message).toBe(
      'invalid tracing configuration in the configuration object: samplingRatePerMillion: Invalid value: -1: sampling rate must be positive',
    );
    expect((thrown as TracingError).problems[0]?.path).toBe('samplingRatePerMillion');
  });
});

describe('problem paths of a configuration file', () => {
  it('use the one path syntax: non-identifier keys quoted, embedded blocks prefixed', () => {
    let thrown: unknown;
    try {
      decodeTracingConfiguration(
        'my-config:\n  tracing:\n    "odd key": 1\n    samplingRatePerMillion: -1\n',
        {
          embeddedAt: 'my-config.tracing',
        },
      );
    } catch (err) {
      thrown = err;
    }
    expect(isTracingError(thrown, 'KDIAG_TRACING_CONFIG_INVALID')).toBe(true);
    const problems = (thrown as TracingError).problems;
    expect(problems.map((p) => p.path)).toEqual([
      '["my-config"].tracing["odd key"]',
      '["my-config"].tracing.samplingRatePerMillion',
    ]);
    // The messages stay Kubernetes' own.
    expect(problems.map((p) => p.message)).toEqual([
      'unknown field "my-config.tracing.odd key"',
      'my-config.tracing.samplingRatePerMillion: Invalid value: -1: sampling rate must be positive',
    ]);
  });
});
