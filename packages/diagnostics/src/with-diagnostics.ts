import { readFile } from 'node:fs/promises';
import { withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import {
  createClientMetrics,
  type InformerHealth,
  type KubeConfigLike,
  type LeaderElection,
  type ObservableInformer,
} from '@kubediag/client-metrics';
import {
  createController,
  type Controller,
  type ControllerOptions,
  type ReconcileSpan,
} from '@kubediag/controller';
import {
  createDiagnosticsServer,
  type DiagnosticsServer,
  type FilterProvider,
  type HealthCheck,
} from '@kubediag/diagnostics-server';
import { createLogger, getOutputControl, type Logger } from '@kubediag/klog';
import {
  applyOptions,
  extendValidated,
  formatProblems,
  hasMethods,
  markValidated,
  type OptionProblem,
} from '@kubediag/options';
import {
  createTracingProvider,
  loadTracingConfiguration,
  withReconcileSpan,
  type TracingConfiguration,
  type TracingProvider,
} from '@kubediag/tracing-config';
import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { DiagnosticsError, DiagnosticsErrorCode } from './errors.ts';
import { setByWithDiagnostics } from './internal/blocks.ts';
import { registerDefaultMetrics } from './metrics/default-metrics.ts';
import {
  resolveDiagnosticsOptions,
  validateDiagnosticsOptions,
  type DiagnosticsOptions,
  type ResolvedDiagnosticsOptions,
  type ResolvedStaticAuthOptions,
} from './options.ts';
import { startProfiling } from './profiling.ts';
import { createStaticReviewClient } from './static-auth/static-review-client.ts';
import { parseTokenFile, type StaticTokenEntry } from './static-auth/token-file.ts';

/** What `withDiagnostics` resolved, frozen: the diagnostics port, auth and tracing as they run. */
export interface DiagnosticsConfig {
  readonly name: string;
  /** `secure` (HTTPS + filter), `insecure` (HTTP, /metrics and health only) or `disabled` (bind address "0"). */
  readonly mode: 'secure' | 'insecure' | 'disabled';
  /** Which filter guards the port in secure mode. */
  readonly auth: 'kubernetes' | 'static' | 'custom' | 'none';
  readonly bindAddress: string;
  /** Whether `/debug/pprof/*` is served (secure mode, `profiling` not `false`). */
  readonly profiling: boolean;
  /**
   * Whether the flight recorder runs (in every mode unless turned off; false too when it could not
   * start, e.g. a Node built without the inspector).
   */
  readonly flightRecorder: boolean;
  readonly defaultMetrics: boolean;
  readonly tracing: { readonly enabled: boolean; readonly endpoint: string; readonly sampler: string };
}

/** Where a health check of the handle goes: `readyzCheck` names the readiness check it adds. */
export interface DiagnosticsReadinessOptions {
  /** The name of a readiness check to add under `/readyz` (`/readyz/<name>` shows its reason). @default none */
  readonly readyzCheck?: string;
}

/** Options of `Diagnostics.createController`: those of `@kubediag/controller` but what the handle wires. */
export type DiagnosticsControllerOptions = Omit<ControllerOptions, 'logger' | 'registry' | 'span'>;

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
  createController(options: DiagnosticsControllerOptions): Controller;
  /**
   * Observes a `@kubernetes/client-node` informer (what `makeInformer` returns) under `name`: its watch
   * events and bookmarks, restarts and errors (`kubediag_informer_*`), and, with `readyzCheck`, a
   * readiness check that fails while its watch is down or silent beyond `clientMetrics.informers`' bounds.
   */
  observeInformer(
    name: string,
    informer: ObservableInformer,
    options?: DiagnosticsReadinessOptions,
  ): InformerHealth;
  /**
   * The hook of a leader election you run (`leader_election_master_status{name}`); with `readyzCheck`,
   * a readiness check that fails while this replica does not lead (read the client-metrics README first:
   * standbys are then never Ready).
   */
  leaderElection(name: string, options?: DiagnosticsReadinessOptions): LeaderElection;
  /** Starts the diagnostics port. Rejects when it cannot (port taken, bad certificate, no Kubernetes config). */
  start(): Promise<void>;
  /**
   * Graceful stop: drains in-flight requests for the server's grace period, flushes pending spans and
   * log lines. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Composes the logger, metrics registry, diagnostics port, authentication/authorization filter,
 * profiler and tracing of an operator in one call — the Node.js counterpart of Cluster API's
 * `--diagnostics-address` wiring on controller-runtime. Every block is resolved and validated by its
 * own package first, and one {@link DiagnosticsError} (`KDIAG_DIAGNOSTICS_INVALID_OPTIONS`) lists every
 * problem with its path; then each component is created from its validated block, which its package
 * does not validate again. Reads the tracing configuration file and the static token file, if any;
 * listens only on `start()`.
 */
export async function withDiagnostics(options: DiagnosticsOptions = {}): Promise<Diagnostics> {
  // 1. Resolve and validate everything before creating anything.
  const resolved = applyOptions(options, {
    resolve: resolveDiagnosticsOptions,
    validate: validateDiagnosticsOptions,
    invalid: invalidOptions,
  });
  const { name } = resolved;
  const secure = resolved.server.secureServing;
  const disabled = resolved.server.bindAddress === '0';

  // 2. Read what lives in files, so a bad file fails here rather than at the first request.
  const tracingConfig: TracingConfiguration | undefined =
    resolved.tracing.configFile === undefined
      ? resolved.tracing.config
      : await loadTracingConfiguration(resolved.tracing.configFile);
  const staticTokens = await readStaticTokens(resolved.staticAuth);

  // 3. Create each component from its validated block.
  const logger = resolved.logger ?? createLogger(validated(resolved.logging));
  const registry = resolved.metrics.registry ?? (await import('prom-client')).register;
  const { defaultMetrics } = resolved.metrics;
  // prom-client's names, types and labels at a fraction of its cost per scrape; a registry that
  // already has them (a second withDiagnostics on the global register) is left alone.
  const runtimeMetrics =
    defaultMetrics !== false && registry.getSingleMetric('process_cpu_seconds_total') === undefined
      ? registerDefaultMetrics(registry, typeof defaultMetrics === 'object' ? defaultMetrics : {})
      : undefined;

  // Requests to the operator's apiserver are counted from here on, whatever client sends them.
  const kubeConfig = hasMethods('getCurrentCluster')(resolved.kubeConfig)
    ? (resolved.kubeConfig as KubeConfigLike)
    : undefined;
  const clientMetrics = createClientMetrics(
    extendValidated(validated(resolved.clientMetrics), {
      registry,
      ...(kubeConfig === undefined ? {} : { kubeConfig }),
    }),
  );

  const tracing = await createTracingProvider(tracingConfig, validated(resolved.tracing.provider));
  const tracer = tracing.getTracer(name);

  const { kind: authKind, filterProvider } = createFilterProvider(
    resolved,
    staticTokens,
    secure && !disabled,
  );
  if (authKind === 'static')
    logger.info('Diagnostics port uses STATIC authentication and authorization; not for production', {
      tokenSource: resolved.staticAuth?.tokenFile ?? 'staticAuth.tokens',
    });

  // Created now, not at start(): its flight recorder must see the operator's code being compiled.
  const pprof =
    resolved.profiling === false
      ? undefined
      : await startProfiling(validated(resolved.profiling), { logger, registry, served: secure });
  const server = createDiagnosticsServer(
    extendValidated(validated(resolved.server), {
      logger,
      registry,
      filterProvider,
      kubeConfig: resolved.kubeConfig,
      // Insecure mode serves no pprof (a handler there runs only its flight recorder).
      pprofHandler: secure ? (pprof ?? null) : null,
    }),
  );

  const config: DiagnosticsConfig = Object.freeze({
    name,
    mode: disabled ? 'disabled' : secure ? 'secure' : 'insecure',
    auth: authKind,
    bindAddress: resolved.server.bindAddress,
    profiling: resolved.profiling !== false && secure,
    flightRecorder: pprof?.flightRecorder !== undefined,
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
      const problems = wiredControllerOptions(controllerOptions);
      if (problems.length > 0) throw invalidOptions(problems);
      return createController({ ...controllerOptions, logger, registry, span });
    },
    observeInformer(informerName, informer, options) {
      const health = clientMetrics.observeInformer(informerName, informer);
      if (options?.readyzCheck !== undefined) server.addReadyzCheck(options.readyzCheck, health.check);
      return health;
    },
    leaderElection(leaseName, options) {
      const election = clientMetrics.leaderElection(leaseName);
      if (options?.readyzCheck !== undefined) server.addReadyzCheck(options.readyzCheck, election.check);
      return election;
    },
    async start() {
      if (started)
        throw new DiagnosticsError(
          DiagnosticsErrorCode.ALREADY_STARTED,
          'withDiagnostics: start() was already called',
        );
      started = true;
      try {
        await server.start();
      } catch (err) {
        throw new DiagnosticsError(
          DiagnosticsErrorCode.START_FAILED,
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
        const results = await Promise.allSettled([
          // The server drains in-flight profiles before the handler (and its recorder) closes.
          server.stop().finally(() => pprof?.close()),
          tracing.shutdown(),
        ]);
        for (const r of results)
          if (r.status === 'rejected') logger.error(r.reason, 'Diagnostics shutdown step failed');
        clientMetrics.close();
        runtimeMetrics?.close();
        await getOutputControl(logger)
          .flush()
          .catch(() => undefined);
      })();
      return stopping;
    },
  };
}

function invalidOptions(problems: readonly OptionProblem[]): DiagnosticsError {
  return new DiagnosticsError(
    DiagnosticsErrorCode.INVALID_OPTIONS,
    `invalid diagnostics options: ${formatProblems(problems)}`,
    { problems },
  );
}

/**
 * A block of the validated options, remembered as validated so that its package takes it as it is.
 * `block` is unset only where validation made it so (no logging options next to a logger, no auth
 * options in insecure mode), which the callers rule out.
 */
function validated<T extends object>(block: T | undefined): T {
  if (block === undefined) throw new TypeError('withDiagnostics: a block needed here was not resolved');
  return markValidated(block);
}

/** Reads and parses the static tokens, so a bad file fails before anything is created. */
async function readStaticTokens(
  staticAuth: ResolvedStaticAuthOptions | undefined,
): Promise<StaticTokenEntry[] | undefined> {
  if (staticAuth === undefined) return undefined;
  if (staticAuth.tokenFile === undefined) return parseTokenFile(staticAuth.tokens ?? '', 'staticAuth.tokens');
  let text: string;
  try {
    text = await readFile(staticAuth.tokenFile, 'utf8');
  } catch (err) {
    throw new DiagnosticsError(
      DiagnosticsErrorCode.TOKEN_FILE_INVALID,
      `read static token file ${staticAuth.tokenFile}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return parseTokenFile(text, staticAuth.tokenFile);
}

/** Which filter guards the port in secure mode, made from the validated auth block. */
function createFilterProvider(
  resolved: ResolvedDiagnosticsOptions,
  staticTokens: readonly StaticTokenEntry[] | undefined,
  guarded: boolean,
): { kind: DiagnosticsConfig['auth']; filterProvider: FilterProvider | null } {
  if (!guarded) return { kind: 'none', filterProvider: null };
  if (resolved.filterProvider !== undefined)
    return { kind: 'custom', filterProvider: resolved.filterProvider };
  const auth = validated(resolved.auth);
  if (staticTokens === undefined)
    return { kind: 'kubernetes', filterProvider: withAuthenticationAndAuthorization(auth) };
  const reviewClient = createStaticReviewClient(staticTokens, resolved.staticAuth?.rules ?? []);
  return {
    kind: 'static',
    filterProvider: withAuthenticationAndAuthorization(extendValidated(auth, { reviewClient })),
  };
}

const CONTROLLER_WIRED = {
  logger: setByWithDiagnostics('the "logger" (or "logging") of withDiagnostics'),
  registry: setByWithDiagnostics('the "metrics.registry" of withDiagnostics'),
  span: setByWithDiagnostics('the "tracing" of withDiagnostics'),
} as const;

/** Keys a JavaScript caller may still pass to `createController` that the handle sets itself. */
function wiredControllerOptions(options: DiagnosticsControllerOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const given = options as Readonly<Record<string, unknown>>;
  for (const [key, check] of Object.entries(CONTROLLER_WIRED))
    if (given[key] !== undefined) check(given[key], key, problems);
  return problems;
}
