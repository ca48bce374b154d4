import {
  createServer as createHttpServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import { createLogger, getVerbosityControl } from '@kubediag/klog';
import type { DiagnosticsServerOptions, ResolvedDiagnosticsServerOptions } from './options.ts';
import { applyDiagnosticsServerOptions, parseBindAddress } from './options.ts';
import type {
  Filter,
  HealthCheck,
  Logger,
  MetricsRegistry,
  RequestHandler,
  VerbosityControl,
} from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';
import { Router, type Route } from './router.ts';
import { normalizeRequestTarget, encodePath } from './path.ts';
import { httpError, redirect, withMethods } from './internal/respond.ts';
import { hasRequestBody, settleUnreadBody } from './internal/unread-body.ts';
import { createMetricsHandler } from './handlers/metrics.ts';
import { createFlagsHandler } from './handlers/flags.ts';
import { serveHealth } from './handlers/health.ts';
import { createFlagzHandler, createStatuszHandler, type ZPagesInfo } from './handlers/zpages.ts';
import { ciphersFromGoNames, tlsVersionFromGoName } from './tls-config.ts';
import type { CertWatcher } from './cert-watcher.ts';
import { loadServingCertificate, type ServingCertificateInfo } from './serving-certificate.ts';

/** The health endpoints. */
export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

/** A diagnostics server. Create with {@link createDiagnosticsServer}; nothing listens until `start()`. */
export interface DiagnosticsServer {
  /** Builds the filter, loads or generates the certificate, then listens. Rejects on any failure. */
  start(): Promise<void>;
  /**
   * Stops accepting, lets in-flight requests finish for `graceMs`, then closes what is left.
   * @param graceMs @default options.shutdownGracePeriodMs
   */
  stop(graceMs?: number): Promise<void>;
  /** The bound address once started (port resolved when `:0` was asked), else null. */
  address(): AddressInfo | null;
  /** `https://127.0.0.1:<port>` (or `http://`) for a loopback-reachable URL once started, else undefined. */
  readonly url: string | undefined;
  /** True when serving HTTPS. */
  readonly secure: boolean;
  /** True when `bindAddress` is `"0"`. */
  readonly disabled: boolean;
  /** The certificate being served (secure mode, after start). */
  servingCertificate(): ServingCertificateInfo | undefined;
  /** Adds a liveness check under `/healthz` (controller-runtime's AddHealthzCheck). */
  addHealthzCheck(name: string, check: HealthCheck): void;
  /** Adds a check under `/livez`. */
  addLivezCheck(name: string, check: HealthCheck): void;
  /** Adds a readiness check under `/readyz` (controller-runtime's AddReadyzCheck). */
  addReadyzCheck(name: string, check: HealthCheck): void;
}

const HEALTH_ENDPOINTS: readonly HealthEndpoint[] = ['healthz', 'livez', 'readyz'];
const ANY = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
/** Go 1.22's pprof routes take GET (HEAD is GET without a body); /symbol, the only POST one, has no Node equivalent. */
const PPROF_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

/** Lazily resolves prom-client's global registry (a peer dependency), only when none was given. */
async function defaultRegistry(): Promise<MetricsRegistry> {
  const prom = (await import('prom-client')) as unknown as { register: MetricsRegistry };
  return prom.register;
}

/**
 * Creates the diagnostics server (Cluster API's `--diagnostics-address` port on controller-runtime's
 * metrics server). Options are validated now and construction errors (an extra handler on `/metrics` or
 * on a path already taken) are thrown now; the filter, certificate and listener are set up by `start()`.
 */
export function createDiagnosticsServer(options: DiagnosticsServerOptions = {}): DiagnosticsServer {
  const o = applyDiagnosticsServerOptions(options);
  return new DiagnosticsServerImpl(o);
}

class DiagnosticsServerImpl implements DiagnosticsServer {
  readonly #o: ResolvedDiagnosticsServerOptions;
  readonly #log: Logger;
  readonly #checks: Record<HealthEndpoint, Map<string, HealthCheck>> = {
    healthz: new Map(),
    livez: new Map(),
    readyz: new Map(),
  };
  readonly #router = new Router();
  readonly #startTime = new Date();
  #server: Server | undefined;
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  #cert: ServingCertificateInfo | undefined;
  #watcher: CertWatcher | undefined;
  #inFlight = new Set<ServerResponse>();
  /** The response in progress on each socket, so a client error never writes into a started response. */
  #responses = new WeakMap<Socket, ServerResponse>();
  #contextOptions: SecureContextOptions = {};
  /** The pprof handler this server created (not one passed in), closed on stop. */
  #ownedPprof: { close(): Promise<void> } | undefined;

  constructor(o: ResolvedDiagnosticsServerOptions) {
    this.#o = o;
    this.#log = (o.logger ?? createLogger()).withName('diagnostics-server');
    this.#validateExtraHandlers();
  }

  get secure(): boolean {
    return this.#o.secureServing;
  }

  get disabled(): boolean {
    return this.#o.bindAddress === '0';
  }

  get url(): string | undefined {
    const a = this.address();
    if (a === null) return undefined;
    const host =
      a.address === '::' || a.address === '0.0.0.0'
        ? '127.0.0.1'
        : a.family === 'IPv6'
          ? `[${a.address}]`
          : a.address;
    return `${this.#o.secureServing ? 'https' : 'http'}://${host}:${a.port}`;
  }

  address(): AddressInfo | null {
    const a = this.#server?.address();
    return a !== null && typeof a === 'object' ? a : null;
  }

  servingCertificate(): ServingCertificateInfo | undefined {
    return this.#cert;
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
    if (typeof name !== 'string' || name === '' || name.includes('/') || typeof check !== 'function') {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.HealthCheck,
        `adding ${endpoint} check: expected a non-empty name without "/" and a function, got ${JSON.stringify(name)}`,
      );
    }
    const checks = this.#checks[endpoint];
    if (checks.has(name)) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.HealthCheck,
        `${endpoint} checker with name ${name} already exists`,
      );
    }
    checks.set(name, check);
  }

  /** controller-runtime refuses these at construction; so do we. */
  #validateExtraHandlers(): void {
    const builtins = new Set<string>();
    if (this.#o.healthProbes) for (const e of HEALTH_ENDPOINTS) builtins.add(`/${e}`).add(`/${e}/`);
    if (this.#o.secureServing) {
      builtins.add('/debug/flags/v');
      if (this.#o.pprofHandler !== null) builtins.add('/debug/pprof/');
      if (this.#o.zpages !== false) builtins.add('/statusz').add('/flagz');
    }
    for (const path of Object.keys(this.#o.extraHandlers)) {
      if (path === '/metrics') {
        throw new DiagnosticsServerError(
          DiagnosticsServerErrorCode.BuiltinOverride,
          'overriding builtin /metrics endpoint is not allowed',
        );
      }
      if (builtins.has(path)) {
        throw new DiagnosticsServerError(
          DiagnosticsServerErrorCode.DuplicatePath,
          `can't register extra handler by duplicate path ${JSON.stringify(path)} on metrics http server`,
        );
      }
    }
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.State,
        `cannot start diagnostics server: it is ${this.#state}`,
      );
    }
    this.#state = 'starting';
    if (this.disabled) {
      this.#log.V(1).info('diagnostics server is disabled', { bindAddress: this.#o.bindAddress });
      this.#state = 'running';
      return;
    }
    try {
      await this.#startListening();
      this.#state = 'running';
    } catch (err) {
      this.#state = 'stopped';
      this.#watcher?.stop();
      await this.#ownedPprof?.close().catch(() => undefined);
      throw err;
    }
  }

  async #startListening(): Promise<void> {
    const o = this.#o;
    const registry = o.registry ?? (await defaultRegistry());
    const filter = await this.#buildFilter(registry);
    await this.#buildRoutes(registry, filter);

    const common = {
      maxHeaderSize: o.maxHeaderSize,
      requestTimeout: o.requestTimeoutMs,
      headersTimeout: o.headersTimeoutMs,
      keepAliveTimeout: o.idleTimeoutMs,
      // Node checks header/request deadlines on this period (default 30 s, too coarse for a 32 s limit).
      connectionsCheckingInterval: Math.min(1000, o.headersTimeoutMs),
      noDelay: true,
    };
    let server: Server;
    if (o.secureServing) {
      const pair = await loadServingCertificate(o, registry, this.#log, (next, info) => {
        // New handshakes get the new pair; open connections keep theirs (nothing is dropped).
        (this.#server as TlsServer | undefined)?.setSecureContext({
          ...this.#contextOptions,
          cert: next.cert,
          key: next.key,
        });
        this.#cert = info;
      });
      this.#watcher = pair.watcher;
      this.#cert = pair.info;
      const ciphers = ciphersFromGoNames(o.tlsCipherSuites);
      const ctx: SecureContextOptions = {
        minVersion: tlsVersionFromGoName(o.tlsMinVersion) ?? 'TLSv1.2',
        ...(ciphers.ok && ciphers.ciphers !== undefined ? { ciphers: ciphers.ciphers } : {}),
      };
      if (o.clientCAFile !== undefined) {
        try {
          ctx.ca = readFileSync(o.clientCAFile);
        } catch (err) {
          throw new DiagnosticsServerError(
            DiagnosticsServerErrorCode.Tls,
            `reading client CA file ${o.clientCAFile}: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
      }
      this.#contextOptions = ctx;
      const httpsOptions: HttpsServerOptions = {
        ...common,
        ...ctx,
        cert: pair.cert,
        key: pair.key,
        // Node's https speaks HTTP/1.1 only; say so in ALPN rather than leave it implicit.
        ALPNProtocols: ['http/1.1'],
        // Ask for a client certificate only when there is a CA to check it against; never reject in the
        // handshake, so the filter decides (and can fall back to a bearer token).
        requestCert: o.clientCAFile !== undefined,
        rejectUnauthorized: false,
        handshakeTimeout: o.headersTimeoutMs,
      };
      try {
        server = createHttpsServer(httpsOptions, (req, res) => this.#onRequest(req, res));
      } catch (err) {
        throw new DiagnosticsServerError(
          DiagnosticsServerErrorCode.Tls,
          `creating TLS server: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        this.#log.V(4).info('TLS handshake failed', { remote: socket.remoteAddress, error: err.message });
      });
    } else {
      server = createHttpServer(common, (req, res) => this.#onRequest(req, res));
    }
    server.maxConnections = o.maxConnections;
    // Node hands CONNECT to 'connect' listeners, never to the request handler, and drops the
    // connection without an answer when there is none: answer it here, as TRACE is answered.
    server.on('connect', (req: IncomingMessage, socket: Duplex) => this.#onConnect(req, socket));
    // Node's own 417 for an Expect it cannot meet keeps the connection, and after a request that
    // asked for an upgrade the next one on it is never answered: answer 417 here and close.
    server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(417, { Connection: 'close' }).end();
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      this.#onClientError(err, socket),
    );
    this.#server = server;

    const addr = parseBindAddress(o.bindAddress);
    if (typeof addr === 'string') throw new Error(addr); // unreachable: validated
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(
          new DiagnosticsServerError(
            DiagnosticsServerErrorCode.Listen,
            `listening on ${o.bindAddress}: ${err.message}`,
            { cause: err },
          ),
        );
      };
      server.once('error', onError);
      const done = (): void => {
        server.off('error', onError);
        server.on('error', (err) => this.#log.error(err, 'diagnostics server error'));
        resolve();
      };
      if (addr.host === '') server.listen(addr.port, done);
      else server.listen(addr.port, addr.host, done);
    });
    this.#log.V(1).info('serving diagnostics', {
      address: this.address(),
      secure: o.secureServing,
      filtered: filter !== undefined,
      certificate: this.#cert?.source,
    });
  }

  async #buildFilter(registry: MetricsRegistry): Promise<Filter | undefined> {
    const provider = this.#o.filterProvider;
    if (provider === undefined || provider === null) return undefined;
    let filter: unknown;
    try {
      filter = await provider({
        logger: this.#log,
        registry,
        ...(this.#o.kubeConfig === undefined ? {} : { kubeConfig: this.#o.kubeConfig }),
      });
    } catch (err) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.FilterProvider,
        `filter provider failed to create filter for the metrics server: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (typeof filter !== 'function') {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.FilterProvider,
        `filter provider failed to create filter for the metrics server: expected a function, got ${typeof filter}`,
      );
    }
    return filter as Filter;
  }

  async #buildRoutes(registry: MetricsRegistry, filter: Filter | undefined): Promise<void> {
    const o = this.#o;
    const log = this.#log;
    const wrap = (handler: RequestHandler): RequestHandler =>
      filter === undefined ? handler : filter(log, handler);
    const add = (
      pattern: string,
      handler: RequestHandler,
      allow: readonly string[],
      filtered = true,
    ): void => {
      const route: Route = { pattern, handler: filtered ? wrap(handler) : handler, filtered, allow };
      this.#router.add(route);
    };

    add('/metrics', createMetricsHandler(registry, log, o.gzipMinBytes), ['GET', 'HEAD', 'OPTIONS']);

    if (o.healthProbes) {
      for (const endpoint of HEALTH_ENDPOINTS) {
        const checks = this.#checks[endpoint];
        const prefix = `/${endpoint}`;
        const handler: RequestHandler = (req, res) => {
          const url = new URL(req.url ?? '/', 'http://x');
          return serveHealth(
            checks,
            log,
            o.healthCheckTimeoutMs,
            req,
            res,
            url.pathname.slice(prefix.length),
            url.searchParams,
          );
        };
        add(prefix, handler, ['GET', 'HEAD', 'OPTIONS'], false);
        add(`${prefix}/`, handler, ['GET', 'HEAD', 'OPTIONS'], false);
      }
    }

    if (o.secureServing) {
      const control = this.#verbosityControl();
      add('/debug/flags/v', createFlagsHandler(control, o.flagsMaxBodyBytes), ['PUT']);
      const pprof = o.pprofHandler === undefined ? await this.#defaultPprof() : o.pprofHandler;
      if (pprof !== null) add('/debug/pprof/', withMethods(pprof, PPROF_METHODS), PPROF_METHODS);
      if (o.zpages !== false) {
        const z = o.zpages;
        const info: ZPagesInfo = {
          componentName: z.componentName,
          binaryVersion: z.binaryVersion,
          emulationVersion: z.emulationVersion,
          startTime: this.#startTime,
          flags: typeof z.flags === 'function' ? z.flags : () => z.flags as Readonly<Record<string, string>>,
          confidentialFlags: new Set(z.confidentialFlags),
          paths: () => this.#router.paths(),
        };
        add('/statusz', createStatuszHandler(info), ['GET', 'HEAD', 'OPTIONS']);
        add('/flagz', createFlagzHandler(info), ['GET', 'HEAD', 'OPTIONS']);
      }
    }

    for (const [path, handler] of Object.entries(o.extraHandlers)) add(path, handler, ANY);
  }

  #verbosityControl(): VerbosityControl {
    if (this.#o.verbosityControl !== undefined) return this.#o.verbosityControl;
    const logger = this.#o.logger ?? this.#log;
    try {
      return getVerbosityControl(logger);
    } catch (err) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.InvalidOptions,
        'invalid diagnostics server options: verbosityControl: expected a VerbosityControl when the logger is not a @kubediag/klog logger',
        { cause: err },
      );
    }
  }

  /** Loaded lazily: insecure mode never registers pprof, so it never pays for the profiler modules. */
  async #defaultPprof(): Promise<RequestHandler> {
    const { createPprofHandler } = await import('@kubediag/pprof');
    const handler = createPprofHandler({ cpu: { maxSeconds: this.#o.maxProfileSeconds }, logger: this.#log });
    this.#ownedPprof = handler;
    return handler;
  }

  #onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    this.#log.V(4).info('bad request from client', { remote: socket.remoteAddress, code: err.code });
    const inFlight = this.#responses.get(socket);
    // Only an HTTP-level error can be answered. Below HTTP (a TLS handshake that timed out or
    // failed, a reset) an answer written to a TLS socket would wait for the handshake forever and
    // keep the connection open past every deadline.
    const answerable = err.code?.startsWith('HPE_') === true || err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!answerable || !socket.writable || (inFlight !== undefined && inFlight.headersSent)) {
      socket.destroy();
      return;
    }
    // Node's default answers, kept explicit: 431 for an oversized head, 408 for a header timeout.
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon();
  }

  /** CONNECT gets the answer TRACE gets (400, 301, 404, or 405 with Allow); then the connection closes. */
  #onConnect(req: IncomingMessage, socket: Duplex): void {
    const { status, body, header } = this.#connectAnswer(req.url ?? '');
    const text = body === '' ? '' : `${body}\n`;
    this.#log.V(4).info('request', { method: req.method, status, remote: req.socket.remoteAddress });
    socket.on('error', () => undefined);
    // Node no longer reads this socket: destroy it once the answer is written rather than wait for
    // the client's end, which an unread request body would keep it from ever seeing.
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${header === '' ? '' : `${header}\r\n`}` +
        'Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n' +
        `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      () => socket.destroy(),
    );
  }

  #connectAnswer(url: string): { status: number; body: string; header: string } {
    const target = normalizeRequestTarget(url);
    if (target.kind === 'invalid') return { status: 400, body: target.reason, header: '' };
    if (target.kind === 'redirect') return { status: 301, body: '', header: `Location: ${target.location}` };
    const m = this.#router.match(target.path, target.search);
    if (m.kind === 'none') return { status: 404, body: '404 page not found', header: '' };
    if (m.kind === 'redirect') return { status: 301, body: '', header: `Location: ${m.location}` };
    return { status: 405, body: 'method not allowed', header: `Allow: ${m.route.allow.join(', ')}` };
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    this.#inFlight.add(res);
    this.#responses.set(req.socket, res);
    // Bound the whole exchange, response included: Node's requestTimeout only covers receiving the request.
    const deadline = setTimeout(() => {
      if (!res.writableFinished) {
        this.#log.V(2).info('request exceeded requestTimeoutMs; closing the connection', {
          timeoutMs: this.#o.requestTimeoutMs,
        });
        res.destroy();
      }
    }, this.#o.requestTimeoutMs);
    deadline.unref();
    let logPath = '-';
    res.once('close', () => {
      clearTimeout(deadline);
      this.#inFlight.delete(res);
      if (this.#responses.get(req.socket) === res) this.#responses.delete(req.socket);
      const v4 = this.#log.V(4);
      if (v4.enabled) {
        v4.info('request', {
          method: req.method,
          path: logPath,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          remote: req.socket.remoteAddress,
          finished: res.writableFinished,
        });
      }
      if (this.#state === 'stopping') this.#server?.closeIdleConnections();
    });
    // The port never upgrades, and Node's parser strands the next request on a connection whose
    // request asked for an upgrade (it is never answered until the idle timeout): close it instead.
    if (this.#state === 'stopping' || req.headers.upgrade !== undefined) res.setHeader('Connection', 'close');
    // Before routing: a 404, a redirect or a filter's refusal leaves a body unread as much as a handler does.
    if (hasRequestBody(req)) settleUnreadBody(req, res);

    const target = normalizeRequestTarget(req.url ?? '');
    if (target.kind === 'invalid') return httpError(res, 400, target.reason, { Connection: 'close' });
    if (target.kind === 'redirect') return redirect(res, req, target.location);
    logPath = target.path;
    const m = this.#router.match(target.path, target.search);
    if (m.kind === 'none') return httpError(res, 404, '404 page not found');
    if (m.kind === 'redirect') return redirect(res, req, m.location);
    const route = m.route;
    if (req.method === 'TRACE' || req.method === 'CONNECT') {
      // Never echo a request (TRACE) or tunnel (CONNECT); answered before the filter, no handler runs.
      return httpError(res, 405, 'method not allowed', { Allow: route.allow.join(', ') });
    }
    // Filter and handler see the same clean path (plus the original query).
    req.url = encodePath(target.path) + target.search;
    let result: void | Promise<void>;
    try {
      result = route.handler(req, res);
    } catch (err) {
      return this.#handlerFailed(err, res, target.path);
    }
    if (result instanceof Promise) result.catch((err: unknown) => this.#handlerFailed(err, res, target.path));
  }

  #handlerFailed(err: unknown, res: ServerResponse, path: string): void {
    this.#log.error(err, 'diagnostics handler failed', { path });
    httpError(res, 500, 'internal server error');
  }

  async stop(graceMs: number = this.#o.shutdownGracePeriodMs): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    const server = this.#server;
    this.#state = 'stopping';
    this.#watcher?.stop();
    if (server === undefined) {
      this.#state = 'stopped';
      return;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, graceMs));
    });
    const outcome = await Promise.race([closed.then(() => 'closed' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#log.info('grace period over; closing remaining connections', {
        inFlight: this.#inFlight.size,
        graceMs,
      });
      server.closeAllConnections();
      await closed;
    }
    await this.#ownedPprof
      ?.close()
      .catch((err: unknown) => this.#log.error(err, 'closing the pprof handler'));
    this.#state = 'stopped';
    this.#log.V(1).info('diagnostics server stopped');
  }
}
