import { PassThrough } from 'node:stream';
import type * as AuthnAuthz from '@kubediag/authn-authz-filter';
import type * as Server from '@kubediag/diagnostics-server';
import type * as Klog from '@kubediag/klog';
import { extendValidated } from '@kubediag/options';
import type * as Pprof from '@kubediag/pprof';
import type * as Tracing from '@kubediag/tracing-config';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Each package's factory validates what it is given, unless the options come from the kit's
// applyOptions/markValidated/extendValidated (it then takes them as they are). So "validated once"
// is: withDiagnostics calls each package's validate once, and hands each factory options the kit
// counts as validated. The spies below see both.
const seen = vi.hoisted(() => ({
  validations: new Map<string, number>(),
  created: new Map<string, unknown>(),
}));

function counted<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    seen.validations.set(name, (seen.validations.get(name) ?? 0) + 1);
    return fn(...args);
  };
}
function captured<A extends unknown[], R>(
  name: string,
  at: number,
  fn: (...args: A) => R,
): (...args: A) => R {
  return (...args) => {
    seen.created.set(name, args[at]);
    return fn(...args);
  };
}

vi.mock('@kubediag/diagnostics-server', async (importOriginal) => {
  const real = await importOriginal<typeof Server>();
  return {
    ...real,
    validateDiagnosticsServerOptions: counted('server', real.validateDiagnosticsServerOptions),
    createDiagnosticsServer: captured('server', 0, real.createDiagnosticsServer),
  };
});
vi.mock('@kubediag/authn-authz-filter', async (importOriginal) => {
  const real = await importOriginal<typeof AuthnAuthz>();
  return {
    ...real,
    validateAuthnAuthzOptions: counted('auth', real.validateAuthnAuthzOptions),
    withAuthenticationAndAuthorization: captured('auth', 0, real.withAuthenticationAndAuthorization),
  };
});
vi.mock('@kubediag/klog', async (importOriginal) => {
  const real = await importOriginal<typeof Klog>();
  return {
    ...real,
    validateLoggerOptions: counted('logging', real.validateLoggerOptions),
    createLogger: captured('logging', 0, real.createLogger),
  };
});
vi.mock('@kubediag/pprof', async (importOriginal) => {
  const real = await importOriginal<typeof Pprof>();
  return {
    ...real,
    validatePprofOptions: counted('profiling', real.validatePprofOptions),
    createPprofHandler: captured('profiling', 0, real.createPprofHandler),
  };
});
vi.mock('@kubediag/tracing-config', async (importOriginal) => {
  const real = await importOriginal<typeof Tracing>();
  return {
    ...real,
    validateTracingProviderOptions: counted('tracing', real.validateTracingProviderOptions),
    createTracingProvider: captured('tracing', 1, real.createTracingProvider),
  };
});

const { withDiagnostics } = await import('../src/index.ts');
type Running = Awaited<ReturnType<typeof withDiagnostics>>;

/** The kit's own test of "validated": extendValidated refuses options applyOptions did not return. */
function isValidated(options: unknown): boolean {
  try {
    extendValidated(options as object, {});
    return true;
  } catch {
    return false;
  }
}

describe('withDiagnostics validates every block once', () => {
  let running: Running | undefined;
  beforeEach(() => {
    seen.validations.clear();
    seen.created.clear();
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('calls each package validate once and hands each factory options it takes as validated', async () => {
    const out = new PassThrough();
    out.resume();
    running = await withDiagnostics({
      server: { bindAddress: '127.0.0.1:0', maxProfileSeconds: 60 },
      auth: { allowedTTLMs: 5000 },
      staticAuth: {
        tokens: 't,u,1,',
        rules: [{ users: ['u'], nonResourceURLs: ['/metrics'], verbs: ['get'] }],
      },
      logging: { output: out, verbosity: 3 },
      metrics: { registry: new Registry(), defaultMetrics: false },
      profiling: { cpu: { samplingIntervalMicros: 500 } },
      tracing: { provider: { register: false } },
    });
    const blocks = ['server', 'auth', 'logging', 'profiling', 'tracing'];
    expect(Object.fromEntries(seen.validations)).toEqual(Object.fromEntries(blocks.map((b) => [b, 1])));
    for (const block of blocks) {
      const given = seen.created.get(block);
      expect(isValidated(given), `${block} options handed over as validated`).toBe(true);
      expect(Object.isFrozen(given), block).toBe(true);
    }
    // What the user set reached each factory, with what withDiagnostics added after validation.
    expect(seen.created.get('server')).toMatchObject({ maxProfileSeconds: 60, logger: running.logger });
    expect(seen.created.get('auth')).toMatchObject({ allowedTTLMs: 5000 });
    expect(seen.created.get('logging')).toMatchObject({ verbosity: 3 });
    expect(seen.created.get('profiling')).toMatchObject({
      cpu: { samplingIntervalMicros: 500, maxSeconds: 60 },
    });
    expect(seen.created.get('tracing')).toMatchObject({ register: false, serviceName: 'operator' });
  });
});
