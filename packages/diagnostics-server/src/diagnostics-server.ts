import type { AddressInfo } from 'node:net';
import { createLogger, getVerbosityControl } from '@kubediag/klog';
import type { DiagnosticsServerOptions, ResolvedDiagnosticsServerOptions } from './options.ts';
import { applyDiagnosticsServerOptions } from './options.ts';
import type {
  ClosableFilter,
  HealthCheck,
  Logger,
  MetricsRegistry,
  RequestHandler,
  VerbosityControl,
} from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';
import { buildRouter, routeTable, type RouteSpec } from './route-table.ts';
import { HealthChecks, type HealthEndpoint } from './health-checks.ts';
import { RequestDispatcher } from './request-dispatch.ts';
import { answerHeadTimeout, guardConnections } from './protocol-guards.ts';
import { ConnectionPolicy } from './connection-policy.ts';
import { continueWhenRead } from './internal/expect-continue.ts';
import { createServingServer, type ServingServer } from './tls-serving.ts';
import { probeListenerSettings, startProbeListener, type ProbeListener } from './probe-listener.ts';
import { startWatchdogProbeListener } from './watchdog/host.ts';
import { provideFilter } from './filter-provision.ts';
import { drainServer } from './drain.ts';
import { listen } from './listen.ts';
import type { ServingCertificateInfo } from './serving-certificate.ts';

export type { HealthEndpoint } from './health-checks.ts';

/** A diagnostics server. Create with {@link createDiagnosticsServer}; nothing listens until `start()`. */
export interface DiagnosticsServer {
  /** Builds the filter, loads or generates the certificate, then listens. Rejects on any failure. */
  start(): Promise<void>;
  /**
   * Stops accepting, lets in-flight requests finish for `graceMs`, then closes what is left; then closes
   * what the server opened: the cert-dir watch, the default pprof handler and the filter (a
   * {@link ClosableFilter}'s `close()`). Errors while closing are logged, not thrown.
   * @param graceMs @default options.shutdownGracePeriodMs
   */
  stop(graceMs?: number): Promise<void>;
  /** The bound address once started (port resolved when `:0` was asked), else null. */
  address(): AddressInfo | null;
  /** `https://127.0.0.1:<port>` (or `http://`) for a loopback-reachable URL once started, else undefined. */
  readonly url: string | undefined;
  /** True when serving HTTPS. */
  readonly secure: boolean;
  /** True when `bindAddress` is `"0"` (the probe listener may still serve). */
  readonly disabled: boolean;
  /** The probe listener's bound address once started (`healthProbeBindAddress`), else null. */
  healthProbeAddress(): AddressInfo | null;
  /** `http://127.0.0.1:<port>` of the probe listener once started, else undefined. */
  readonly healthProbeUrl: string | undefined;
  /** The certificate being served (secure mode, after start). */
  servingCertificate(): ServingCertificateInfo | undefined;
  /** Adds a liveness check under `/healthz` (controller-runtime's AddHealthzCheck), on both listeners. */
  addHealthzCheck(name: string, check: HealthCheck): void;
  /** Adds a check under `/livez`. */
  addLivezCheck(name: string, check: HealthCheck): void;
  /** Adds a readiness check under `/readyz` (controller-runtime's AddReadyzCheck). */
  addReadyzCheck(name: string, check: HealthCheck): void;
}

/**
 * Creates the diagnostics server (Cluster API's `--diagnostics-address` port on controller-runtime's
 * metrics server). Options are validated now and construction errors (an extra handler on `/metrics` or
 * on a path already taken) are thrown now; the filter, certificate and listener are set up by `start()`.
 */
export function createDiagnosticsServer(options: DiagnosticsServerOptions = {}): DiagnosticsServer {
  return new DiagnosticsServerImpl(applyDiagnosticsServerOptions(options));
}

/** Lazily resolves prom-client's global registry (a peer dependency), only when none was given. */
async function defaultRegistry(): Promise<MetricsRegistry> {
  const prom = (await import('prom-client')) as unknown as { register: MetricsRegistry };
  return prom.register;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** The lifecycle: what `start()` opens, in order, `stop()` closes. */
class DiagnosticsServerImpl implements DiagnosticsServer {
  readonly #o: ResolvedDiagnosticsServerOptions;
  readonly #log: Logger;
  readonly #routes: readonly RouteSpec[];
  readonly #checks: HealthChecks;
  readonly #startTime = new Date();
  #state: State = 'new';
  #starting: Promise<void> | undefined;
  #serving: ServingServer | undefined;
  #dispatcher: RequestDispatcher | undefined;
  #policy: ConnectionPolicy | undefined;
  #probes: ProbeListener | undefined;
  #filter: ClosableFilter | undefined;
  /** The pprof handler this server created (not one passed in), closed on stop. */
  #ownedPprof: { close(): Promise<void> } | undefined;

  constructor(o: ResolvedDiagnosticsServerOptions) {
    this.#o = o;
    this.#log = (o.logger ?? createLogger()).withName('diagnostics-server');
    this.#checks = new HealthChecks(o.healthCheckTimeoutMs, this.#log);
    // controller-runtime refuses extra handlers on built-in paths at construction; so does this.
    this.#routes = routeTable(o);
  }

  get secure(): boolean {
    return this.#o.secureServing;
  }

  get disabled(): boolean {
    return this.#o.bindAddress === '0';
  }

  get url(): string | undefined {
    return loopbackUrl(this.#o.secureServing ? 'https' : 'http', this.address());
  }

  address(): AddressInfo | null {
    const a = this.#serving?.server.address();
    return a !== null && typeof a === 'object' ? a : null;
  }

  get healthProbeUrl(): string | undefined {
    return loopbackUrl('http', this.healthProbeAddress());
  }

  healthProbeAddress(): AddressInfo | null {
    return this.#probes?.address() ?? null;
  }

  servingCertificate(): ServingCertificateInfo | undefined {
    return this.#serving?.certificate();
  }

  addHealthzCheck(name: string, check: HealthCheck): void {
    this.#addCheck('healthz', name, check);
  }

  addLivezCheck(name: string, check: HealthCheck): void {
    this.#addCheck('livez', name, check);
  }

  addReadyzCheck(name: string, check: HealthCheck): void {
    this.#addCheck('readyz', name, check);
  }

  #addCheck(endpoint: HealthEndpoint, name: string, check: HealthCheck): void {
    this.#checks.add(endpoint, name, check);
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.STATE,
        `cannot start diagnostics server: it is ${this.#state}`,
      );
    }
    this.#state = 'starting';
    this.#starting = this.#startOrRelease();
    await this.#starting;
  }

  /** Settles in 'running', or in 'stopped' with everything it opened closed again. */
  async #startOrRelease(): Promise<void> {
    try {
      // First, as controller-runtime's manager starts its probe server: it needs nothing else.
      if (this.#o.healthProbeBindAddress !== '0') this.#probes = await this.#startProbes();
      if (this.disabled)
        this.#log.V(1).info('diagnostics server is disabled', { bindAddress: this.#o.bindAddress });
      else await this.#serve();
      this.#state = 'running';
    } catch (err) {
      this.#state = 'stopped';
      await this.#probes?.stop(0);
      this.#probes = undefined;
      await this.#release();
      throw err;
    }
  }

  /** The probe listener, in the watchdog's worker thread when it is enabled. */
  #startProbes(): Promise<ProbeListener> {
    const settings = probeListenerSettings(this.#o);
    const watchdog = this.#o.healthProbeWatchdog;
    if (!watchdog.enabled) return startProbeListener(settings, this.#checks, this.#log);
    return startWatchdogProbeListener(settings, watchdog, this.#checks, this.#log);
  }

  /**
   * Filter, connection policy, routes, Node server, guards, listener: in this order, each needing the
   * one before.
   */
  async #serve(): Promise<void> {
    const o = this.#o;
    const log = this.#log;
    const registry = o.registry ?? (await defaultRegistry());
    if (o.filterProvider !== undefined && o.filterProvider !== null) {
      this.#filter = await provideFilter(o.filterProvider, {
        logger: log,
        registry,
        ...(o.kubeConfig === undefined ? {} : { kubeConfig: o.kubeConfig }),
      });
    }
    const policy = new ConnectionPolicy(
      {
        maxConnectionsPerSource: o.maxConnectionsPerSource,
        ...(o.secureServing ? { tlsHandshakeTimeoutMs: o.tlsHandshakeTimeoutMs } : {}),
        unauthenticatedHeadersTimeoutMs: o.unauthenticatedHeadersTimeoutMs,
      },
      log,
      answerHeadTimeout,
    );
    const router = await buildRouter(
      this.#routes,
      {
        registry,
        log,
        healthChecks: this.#checks,
        startTime: this.#startTime,
        verbosityControl: () => this.#verbosityControl(),
        pprofHandler: () => this.#pprofHandler(),
      },
      this.#filter?.filter,
      // Reached a filtered route's handler: the filter allowed the request.
      (req, res) => {
        policy.authenticated(req.socket);
        continueWhenRead(req, res);
      },
    );
    const dispatcher = new RequestDispatcher(router, log, o.requestTimeoutMs);
    this.#dispatcher = dispatcher;
    this.#policy = policy;
    this.#serving = await createServingServer(o, registry, log, (req, res) => dispatcher.dispatch(req, res));
    const server = this.#serving.server;
    guardConnections(server, router, log, dispatcher);
    policy.attach(server);
    await listen(server, o.bindAddress, (err) => log.error(err, 'diagnostics server error'));
    log.V(1).info('serving diagnostics', {
      address: this.address(),
      secure: o.secureServing,
      filtered: this.#filter !== undefined,
      certificate: this.#serving.certificate()?.source,
    });
  }

  #verbosityControl(): VerbosityControl {
    if (this.#o.verbosityControl !== undefined) return this.#o.verbosityControl;
    const logger = this.#o.logger ?? this.#log;
    try {
      return getVerbosityControl(logger);
    } catch (err) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.INVALID_OPTIONS,
        'invalid diagnostics server options: verbosityControl: expected a VerbosityControl when the logger is not a @kubediag/klog logger',
        { cause: err },
      );
    }
  }

  /** The given handler, or the default one, loaded lazily: insecure mode never pays for the profiler modules. */
  async #pprofHandler(): Promise<RequestHandler> {
    if (this.#o.pprofHandler !== undefined && this.#o.pprofHandler !== null) return this.#o.pprofHandler;
    const { createPprofHandler } = await import('@kubediag/pprof');
    const handler = createPprofHandler({ cpu: { maxSeconds: this.#o.maxProfileSeconds }, logger: this.#log });
    this.#ownedPprof = handler;
    return handler;
  }

  async stop(graceMs: number = this.#o.shutdownGracePeriodMs): Promise<void> {
    // A start in progress settles first, so that what it opens is closed here, not left running.
    if (this.#state === 'starting') await this.#starting?.catch(() => undefined);
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    const serving = this.#serving;
    const dispatcher = this.#dispatcher;
    const policy = this.#policy;
    const probes = this.#probes;
    this.#state = 'stopping';
    serving?.stopCertificateReload();
    await Promise.all([
      serving !== undefined && dispatcher !== undefined && policy !== undefined
        ? drainServer(serving.server, dispatcher, policy, graceMs, this.#log)
        : undefined,
      probes?.stop(graceMs),
    ]);
    await this.#release();
    this.#state = 'stopped';
    if (serving !== undefined || probes !== undefined) this.#log.V(1).info('diagnostics server stopped');
  }

  /** Closes what start() opened besides the listener; errors are logged, never thrown. */
  async #release(): Promise<void> {
    this.#serving?.stopCertificateReload();
    await this.#closeQuietly(this.#ownedPprof, 'closing the pprof handler');
    await this.#closeQuietly(this.#filter, 'closing the filter');
    this.#ownedPprof = undefined;
    this.#filter = undefined;
  }

  async #closeQuietly(closable: { close(): Promise<void> } | undefined, what: string): Promise<void> {
    if (closable === undefined) return;
    try {
      await closable.close();
    } catch (err) {
      this.#log.error(err, what);
    }
  }
}

/** A loopback-reachable URL of a bound address: 127.0.0.1 for every-interface binds. */
function loopbackUrl(scheme: 'http' | 'https', a: AddressInfo | null): string | undefined {
  if (a === null) return undefined;
  const host =
    a.address === '::' || a.address === '0.0.0.0'
      ? '127.0.0.1'
      : a.family === 'IPv6'
        ? `[${a.address}]`
        : a.address;
  return `${scheme}://${host}:${a.port}`;
}
