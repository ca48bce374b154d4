import { readFile } from 'node:fs/promises';
import { validateAuthnAuthzOptions, withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import {
  createDiagnosticsServer,
  resolveDiagnosticsServerOptions,
  validateDiagnosticsServerOptions,
  type DiagnosticsServer,
  type FilterProvider,
  type HealthCheck,
} from '@kubediag/diagnostics-server';
import {
  createLogger,
  getOutputControl,
  resolveLoggerOptions,
  validateLoggerOptions,
  type Logger,
} from '@kubediag/klog';
import { createPprofHandler, resolvePprofOptions, validatePprofOptions } from '@kubediag/pprof';
import {
  createTracingProvider,
  loadTracingConfiguration,
  resolveTracingProviderOptions,
  validateTracingProviderOptions,
  withReconcileSpan,
  type TracingConfiguration,
  type TracingProvider,
} from '@kubediag/tracing-config';
import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import {
  createController,
  type Controller,
  type ControllerOptions,
  type ReconcileSpan,
} from './controller/controller.ts';
import { DiagnosticsConfigError, DiagnosticsError } from './errors.ts';
import {
  under,
  validateCompositionOptions,
  type DiagnosticsOptionProblem,
  type DiagnosticsOptions,
} from './options.ts';
import { createStaticReviewClient } from './static-auth/static-review-client.ts';
import { parseTokenFile } from './static-auth/token-file.ts';

/** What `withDiagnostics` resolved, frozen: the diagnostics port, auth and tracing as they run. */
export interface DiagnosticsConfig {
  readonly name: string;
  /** `secure` (HTTPS + filter), `insecure` (HTTP, /metrics and health only) or `disabled` (bind address "0"). */
  readonly mode: 'secure' | 'insecure' | 'disabled';
  /** Which filter guards the port in secure mode. */
  readonly auth: 'kubernetes' | 'static' | 'custom' | 'none';
  readonly bindAddress: string;
  readonly profiling: boolean;
  readonly defaultMetrics: boolean;
  readonly tracing: { readonly enabled: boolean; readonly endpoint: string; readonly sampler: string };
}

/** The handle `withDiagnostics` returns. */
export interface Diagnostics {
  /** The klog-style logger; `PUT /debug/flags/v` changes its verbosity (and its children's). */
  readonly logger: Logger;
  /** The registry served at `/metrics`: register your own metrics here. */
  readonly registry: Registry;
  /** The tracing provider (a no-op one when tracing is off). */
  readonly tracing: TracingProvider;
  /** A tracer named after the operator. */
  readonly tracer: Tracer;
  /** The diagnostics port. */
  readonly server: DiagnosticsServer;
  /** The resolved configuration, frozen. */
  readonly config: DiagnosticsConfig;
  /** Liveness check under `/healthz` (and `/livez`). */
  addHealthzCheck(name: string, check: HealthCheck): void;
  /** Readiness check under `/readyz`. */
  addReadyzCheck(name: string, check: HealthCheck): void;
  /**
   * A controller loop wired to this logger, registry and tracer: controller-runtime's metric names
   * and a span per reconcile.
   */
  createController(options: Omit<ControllerOptions, 'logger' | 'registry' | 'span'>): Controller;
  /** Starts the diagnostics port. Rejects when it cannot (port taken, bad certificate, no Kubernetes config). */
  start(): Promise<void>;
  /**
   * Graceful stop: drains in-flight requests for the server's grace period, flushes pending spans and
   * log lines. Idempotent.
   */
  stop(): Promise<void>;
}

const DEFAULT_NAME = 'operator';

/**
 * Composes the logger, metrics registry, diagnostics port, authentication/authorization filter,
 * profiler and tracing of an operator in one call — the Node.js counterpart of Cluster API's
 * `--diagnostics-address` wiring on controller-runtime. Options are resolved, validated as a whole
 * (one {@link DiagnosticsConfigError} lists every problem with its option path) and only then applied.
 * Reads the tracing configuration file and the static token file, if any; listens only on `start()`.
 */
export async function withDiagnostics(options: DiagnosticsOptions = {}): Promise<Diagnostics> {
  const name = options.name ?? DEFAULT_NAME;

  // 1. Resolve and validate everything before creating anything.
  const problems: DiagnosticsOptionProblem[] = validateCompositionOptions(options);
  const serverResolved = resolveDiagnosticsServerOptions({ ...options.server, filterProvider: null });
  problems.push(...under('server', validateDiagnosticsServerOptions(serverResolved)));
  const secure = serverResolved.secureServing;
  const disabled = serverResolved.bindAddress === '0';
  if (options.auth !== undefined) problems.push(...under('auth', validateAuthnAuthzOptions(options.auth)));
  if (!options.logger)
    problems.push(...under('logging', validateLoggerOptions(resolveLoggerOptions(options.logging))));
  if (options.profiling !== false)
    problems.push(...under('profiling', validatePprofOptions(resolvePprofOptions(options.profiling ?? {}))));
  const profileMax = options.profiling === false ? undefined : options.profiling?.cpu?.maxSeconds;
  if (profileMax !== undefined && profileMax > serverResolved.maxProfileSeconds) {
    problems.push({
      path: 'profiling.cpu.maxSeconds',
      message: `must not exceed server.maxProfileSeconds (${serverResolved.maxProfileSeconds}), which bounds the request timeout; got ${profileMax}`,
    });
  }
  const tracingProviderOptions = { serviceName: name, ...options.tracing?.provider };
  problems.push(
    ...under(
      'tracing.provider',
      validateTracingProviderOptions(resolveTracingProviderOptions(tracingProviderOptions)),
    ),
  );
  if (
    !secure &&
    (options.filterProvider !== undefined || options.staticAuth !== undefined || options.auth !== undefined)
  ) {
    problems.push({
      path: 'server.secureServing',
      message:
        'is false (insecure mode serves /metrics without authentication); auth, staticAuth and filterProvider apply only in secure mode',
    });
  }
  if (problems.length > 0) throw new DiagnosticsConfigError(problems);

  // 2. Read what lives in files, so a bad file fails here rather than at the first request.
  let tracingConfig: TracingConfiguration | undefined = options.tracing?.config;
  if (options.tracing?.configFile !== undefined)
    tracingConfig = await loadTracingConfiguration(options.tracing.configFile);
  let staticTokens: string | undefined = options.staticAuth?.tokens;
  if (options.staticAuth?.tokenFile !== undefined) {
    try {
      staticTokens = await readFile(options.staticAuth.tokenFile, 'utf8');
    } catch (err) {
      throw new DiagnosticsError(
        'KDIAG_DIAGNOSTICS_TOKEN_FILE_INVALID',
        `read static token file ${options.staticAuth.tokenFile}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  // 3. Apply.
  const logger = options.logger ?? createLogger(options.logging);
  const registry = options.metrics?.registry ?? (await import('prom-client')).register;
  const defaultMetrics = options.metrics?.defaultMetrics ?? true;
  if (defaultMetrics !== false && registry.getSingleMetric('process_cpu_seconds_total') === undefined) {
    const { collectDefaultMetrics } = await import('prom-client');
    collectDefaultMetrics({
      ...(typeof defaultMetrics === 'object' ? defaultMetrics : {}),
      register: registry,
    });
  }

  const tracing = createTracingProvider(tracingConfig, tracingProviderOptions);
  const tracer = tracing.getTracer(name);

  // One client CA serves both sides of mTLS: the server asks for certificates, the filter verifies them.
  const clientCAFile = options.auth?.clientCAFile ?? options.server?.clientCAFile;
  let authKind: DiagnosticsConfig['auth'] = 'none';
  let filterProvider: FilterProvider | null = null;
  if (secure && !disabled) {
    const auth = { ...options.auth, ...(clientCAFile !== undefined ? { clientCAFile } : {}) };
    if (options.filterProvider) {
      authKind = 'custom';
      filterProvider = options.filterProvider;
    } else if (staticTokens !== undefined) {
      authKind = 'static';
      const source = options.staticAuth?.tokenFile ?? 'staticAuth.tokens';
      const reviewClient = createStaticReviewClient(
        parseTokenFile(staticTokens, source),
        options.staticAuth?.rules ?? [],
      );
      filterProvider = withAuthenticationAndAuthorization({
        ...auth,
        reviewClient,
      });
      logger.info('Diagnostics port uses STATIC authentication and authorization; not for production', {
        tokenSource: source,
      });
    } else {
      authKind = 'kubernetes';
      filterProvider = withAuthenticationAndAuthorization(auth);
    }
  }

  const server = createDiagnosticsServer({
    ...options.server,
    ...(clientCAFile !== undefined ? { clientCAFile } : {}),
    logger,
    registry,
    filterProvider,
    kubeConfig: options.kubeConfig,
    // The server's request timeout is derived from maxProfileSeconds: the handler must refuse longer profiles.
    // Insecure mode serves no pprof, so no handler: creating one would start the heap sampler for nothing.
    pprofHandler:
      options.profiling === false || !secure
        ? null
        : createPprofHandler({
            ...options.profiling,
            cpu: { maxSeconds: serverResolved.maxProfileSeconds, ...options.profiling?.cpu },
            logger,
          }),
    zpages: {
      componentName: name,
      ...(typeof options.server?.zpages === 'object' ? options.server.zpages : {}),
    },
  });

  const config: DiagnosticsConfig = Object.freeze({
    name,
    mode: disabled ? 'disabled' : secure ? 'secure' : 'insecure',
    auth: authKind,
    bindAddress: serverResolved.bindAddress,
    profiling: options.profiling !== false && secure,
    defaultMetrics: defaultMetrics !== false,
    tracing: Object.freeze({
      enabled: tracing.enabled,
      endpoint: tracing.endpoint,
      sampler: tracing.sampler,
    }),
  });

  const span: ReconcileSpan = (request, fn) =>
    withReconcileSpan(
      tracer,
      { controller: request.controller, name: request.name, namespace: request.namespace },
      () => fn(),
    );

  let started = false;
  let stopping: Promise<void> | undefined;

  return {
    logger,
    registry,
    tracing,
    tracer,
    server,
    config,
    addHealthzCheck(checkName, check) {
      server.addHealthzCheck(checkName, check);
      server.addLivezCheck(checkName, check);
    },
    addReadyzCheck(checkName, check) {
      server.addReadyzCheck(checkName, check);
    },
    createController(controllerOptions) {
      return createController({ ...controllerOptions, logger, registry, span });
    },
    async start() {
      if (started)
        throw new DiagnosticsError(
          'KDIAG_DIAGNOSTICS_ALREADY_STARTED',
          'withDiagnostics: start() was already called',
        );
      started = true;
      try {
        await server.start();
      } catch (err) {
        throw new DiagnosticsError(
          'KDIAG_DIAGNOSTICS_START_FAILED',
          `start diagnostics: ${(err as Error).message}`,
          { cause: err },
        );
      }
      logger.V(1).info('Diagnostics ready', {
        mode: config.mode,
        auth: config.auth,
        url: server.url ?? '',
        tracing: config.tracing.enabled ? config.tracing.endpoint : 'off',
      });
    },
    stop() {
      stopping ??= (async () => {
        const results = await Promise.allSettled([server.stop(), tracing.shutdown()]);
        for (const r of results)
          if (r.status === 'rejected') logger.error(r.reason, 'Diagnostics shutdown step failed');
        await getOutputControl(logger)
          .flush()
          .catch(() => undefined);
      })();
      return stopping;
    },
  };
}
