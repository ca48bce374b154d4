import { createDiscardLogger } from '@kubediag/klog';
import { resolvePprofOptions } from '@kubediag/pprof';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticsErrorCode,
  isDiagnosticsError,
  resolveDiagnosticsOptions,
  validateDiagnosticsOptions,
  withDiagnostics,
  type DiagnosticsOptions,
} from '../src/index.ts';

/** The problems of the one error `withDiagnostics` throws for `options`. */
async function problemsOf(options: unknown): Promise<readonly { path: string; message: string }[]> {
  const err = await withDiagnostics(options as DiagnosticsOptions).then(
    async (d) => {
      await d.stop();
      throw new Error('expected withDiagnostics to refuse the options');
    },
    (e: unknown) => e,
  );
  expect(isDiagnosticsError(err, DiagnosticsErrorCode.INVALID_OPTIONS)).toBe(true);
  return isDiagnosticsError(err) ? err.problems : [];
}

/** Problems of options that are resolved and validated without creating anything. */
function validate(options: unknown): { path: string; message: string }[] {
  return validateDiagnosticsOptions(resolveDiagnosticsOptions(options as DiagnosticsOptions));
}

const TOKENS = 'reader-token,reader,u1,"readers"';

describe('withDiagnostics options', () => {
  it('refuses a misspelled key in every block with its full path, all in one error', async () => {
    const problems = await problemsOf({
      server: { bindAdress: '127.0.0.1:9443' },
      auth: { alowedTTLMs: 1000, retry: { atempts: 2 } },
      logging: { verbosty: 4 },
      metrics: { defaultMetric: false },
      profiling: { prefx: '/debug/pprof', cpu: { maxSecond: 10 } },
      tracing: { configFil: '/etc/tracing.yaml', provider: { serviceNam: 'x' } },
      staticAuth: {
        tokens: TOKENS,
        rules: [{ group: ['readers'], groups: ['readers'], nonResourceURLs: ['/metrics'], verbs: ['get'] }],
      },
    });
    const unknown = (path: string, meant: string) => ({
      path,
      message: `unknown option; did you mean "${meant}"?`,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        unknown('server.bindAdress', 'bindAddress'),
        unknown('auth.alowedTTLMs', 'allowedTTLMs'),
        unknown('auth.retry.atempts', 'attempts'),
        unknown('logging.verbosty', 'verbosity'),
        unknown('metrics.defaultMetric', 'defaultMetrics'),
        unknown('profiling.prefx', 'prefix'),
        unknown('profiling.cpu.maxSecond', 'maxSeconds'),
        unknown('tracing.configFil', 'configFile'),
        unknown('tracing.provider.serviceNam', 'serviceName'),
        unknown('staticAuth.rules[0].group', 'groups'),
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it('refuses a misspelled key of staticAuth and of the top level', () => {
    expect(validate({ staticAuth: { token: TOKENS }, profilng: false })).toEqual([
      { path: 'staticAuth.token', message: 'unknown option; did you mean "tokens"?' },
      { path: 'profilng', message: 'unknown option; did you mean "profiling"?' },
      { path: 'staticAuth', message: 'expected tokenFile or tokens, got neither' },
    ]);
  });

  it('refuses what withDiagnostics wires itself, pointing at the option to use', () => {
    const registry = new Registry();
    const logger = createDiscardLogger();
    const problems = validate({
      server: {
        logger,
        registry,
        filterProvider: () => undefined,
        kubeConfig: {},
        verbosityControl: { setVerbosity() {}, setVModule() {} },
        pprofHandler: null,
      },
      auth: { kubeConfig: {}, reviewClient: {} },
      profiling: { logger },
      metrics: { defaultMetrics: { register: registry } },
    });
    const wired = (path: string, instead: string) => ({
      path,
      message: `set by withDiagnostics; pass ${instead} instead`,
    });
    expect(problems).toEqual([
      wired('server.logger', 'the top-level "logger" (or "logging")'),
      wired('server.registry', '"metrics.registry"'),
      wired('server.filterProvider', 'the top-level "filterProvider" (or "staticAuth", or "auth")'),
      wired('server.kubeConfig', 'the top-level "kubeConfig"'),
      wired('server.verbosityControl', 'the top-level "logger", whose verbosity PUT /debug/flags/v changes'),
      wired('server.pprofHandler', 'the top-level "profiling"'),
      wired('auth.kubeConfig', 'the top-level "kubeConfig"'),
      wired('auth.reviewClient', 'the top-level "staticAuth" or "filterProvider"'),
      wired('profiling.logger', 'the top-level "logger"'),
      wired('metrics.defaultMetrics.register', '"metrics.registry"'),
    ]);
  });

  it('refuses static rule verbs that are not lowercase HTTP methods', () => {
    const rule = (verbs: string[]) => ({
      staticAuth: { tokens: TOKENS, rules: [{ groups: ['readers'], nonResourceURLs: ['/metrics'], verbs }] },
    });
    const expected = 'expected one of "get", "head", "post", "put", "patch", "delete", "options", "*"';
    expect(validate(rule(['GET', 'Put', 'list']))).toEqual([
      { path: 'staticAuth.rules[0].verbs[0]', message: `${expected}, got "GET"; did you mean "get"?` },
      { path: 'staticAuth.rules[0].verbs[1]', message: `${expected}, got "Put"; did you mean "put"?` },
      { path: 'staticAuth.rules[0].verbs[2]', message: `${expected}, got "list"` },
    ]);
    expect(validate(rule(['get', 'put', '*']))).toEqual([]);
  });

  it('refuses static rules that could never match', () => {
    expect(
      validate({
        staticAuth: {
          tokens: TOKENS,
          rules: [{ users: [], nonResourceURLs: ['metrics', '/debug/*/x'] }, 'get'],
        },
      }),
    ).toEqual([
      {
        path: 'staticAuth.rules[0].nonResourceURLs[0]',
        message: 'expected a path (/metrics), a prefix ending in * (/debug/pprof/*) or *, got "metrics"',
      },
      {
        path: 'staticAuth.rules[0].nonResourceURLs[1]',
        message: 'expected a path (/metrics), a prefix ending in * (/debug/pprof/*) or *, got "/debug/*/x"',
      },
      { path: 'staticAuth.rules[0].verbs', message: 'expected at least one verb, got none' },
      { path: 'staticAuth.rules[0]', message: 'expected users or groups to bind the rule to, got neither' },
      { path: 'staticAuth.rules[1]', message: 'expected an options object, got "get"' },
    ]);
  });

  it('refuses options that cannot go together', () => {
    const problems = validate({
      filterProvider: () => () => undefined,
      staticAuth: { tokens: TOKENS, tokenFile: '/tokens.csv' },
      tracing: { configFile: '/tracing.yaml', config: {} },
      logger: createDiscardLogger(),
      logging: { verbosity: 2 },
      server: { clientCAFile: '/server-ca.pem', maxProfileSeconds: 30 },
      auth: { clientCAFile: '/auth-ca.pem' },
      profiling: { cpu: { maxSeconds: 60 } },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'staticAuth',
      'logging',
      'staticAuth.tokens',
      'tracing.config',
      'auth.clientCAFile',
      'profiling.cpu.maxSeconds',
    ]);
    expect(problems[5]!.message).toBe(
      'expected at most server.maxProfileSeconds (30), which bounds the request timeout, got 60',
    );
  });

  it('refuses auth, staticAuth and filterProvider in insecure mode', () => {
    expect(validate({ server: { secureServing: false }, auth: {} })).toEqual([
      {
        path: 'server.secureServing',
        message:
          'is false (insecure mode serves /metrics without authentication); auth, staticAuth and filterProvider apply only in secure mode',
      },
    ]);
  });

  it('refuses bad flight recorder options with their paths', () => {
    expect(
      validate({
        profiling: {
          flightRecorder: { windowsMs: 1000, chunkMs: 50, stalls: { thresholdMs: 10, onStall: 'metrics' } },
        },
      }),
    ).toEqual([
      {
        path: 'profiling.flightRecorder.chunkMs',
        message: 'expected a duration in milliseconds from 100 to 3600000, got 50',
      },
      {
        path: 'profiling.flightRecorder.stalls.thresholdMs',
        message: 'expected a duration in milliseconds from 50 to 600000, got 10',
      },
      {
        path: 'profiling.flightRecorder.stalls.onStall',
        message: 'expected a function called with each stall record, got "metrics"',
      },
      { path: 'profiling.flightRecorder.windowsMs', message: 'unknown option; did you mean "windowMs"?' },
    ]);
  });

  it('refuses a block that is not an options object', () => {
    expect(validate({ server: null, profiling: 'on', metrics: [] })).toEqual([
      { path: 'server', message: 'expected an options object, got null' },
      { path: 'profiling', message: 'expected false or profiling options, got "on"' },
      { path: 'metrics', message: 'expected an options object, got an array' },
    ]);
  });
});

describe('resolveDiagnosticsOptions', () => {
  it('derives what only the composition knows and validates to no problem', () => {
    const resolved = resolveDiagnosticsOptions({
      name: 'widgets',
      server: { maxProfileSeconds: 60, clientCAFile: '/ca.pem' },
    });
    expect(resolved.server.zpages).toMatchObject({ componentName: 'widgets' });
    expect(resolved.tracing.provider.serviceName).toBe('widgets');
    expect(resolved.profiling).toMatchObject({ cpu: { maxSeconds: 60 } });
    expect(resolved.auth?.clientCAFile).toBe('/ca.pem');
    expect(validateDiagnosticsOptions(resolved)).toEqual([]);
    expect(validateDiagnosticsOptions(resolveDiagnosticsOptions())).toEqual([]);
  });

  it('keeps zpages off when told so, and leaves out blocks that do not apply', () => {
    expect(resolveDiagnosticsOptions({ server: { zpages: false } }).server.zpages).toBe(false);
    expect(resolveDiagnosticsOptions({ server: { secureServing: false } }).auth).toBeUndefined();
    expect(resolveDiagnosticsOptions({ logger: createDiscardLogger() }).logging).toBeUndefined();
    expect(resolveDiagnosticsOptions({ profiling: false }).profiling).toBe(false);
  });

  it('turns the flight recorder on unless told otherwise (pprof alone leaves it off)', () => {
    const recorder = (options: DiagnosticsOptions) => {
      const { profiling } = resolveDiagnosticsOptions(options);
      return profiling === false ? undefined : profiling.flightRecorder;
    };
    expect(recorder({})).toMatchObject({ enabled: true, windowMs: 60_000, stalls: { thresholdMs: 500 } });
    expect(recorder({ profiling: { flightRecorder: { windowMs: 10_000 } } })).toMatchObject({
      enabled: true,
      windowMs: 10_000,
    });
    expect(recorder({ profiling: { flightRecorder: { enabled: false } } })).toMatchObject({ enabled: false });
    expect(resolvePprofOptions().flightRecorder.enabled).toBe(false);
  });
});

describe('Diagnostics.createController', () => {
  it('refuses what the handle wires itself', async () => {
    const d = await withDiagnostics({
      server: { bindAddress: '0' },
      logging: { output: { write: () => true } },
      metrics: { registry: new Registry(), defaultMetrics: false },
    });
    try {
      expect(() =>
        d.createController({
          name: 'c',
          reconcile: async () => undefined,
          registry: new Registry(),
        } as Parameters<typeof d.createController>[0]),
      ).toThrow(
        'invalid diagnostics options: registry: set by withDiagnostics; pass the "metrics.registry" of withDiagnostics instead',
      );
    } finally {
      await d.stop();
    }
  });
});
