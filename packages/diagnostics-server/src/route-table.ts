import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedDiagnosticsServerOptions, ResolvedZPagesOptions } from './options.ts';
import type { Filter, Logger, MetricsRegistry, RequestHandler, VerbosityControl } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';
import { Router, duplicatePathError } from './router.ts';
import { withMethods } from './internal/respond.ts';
import { createMetricsHandler } from './handlers/metrics.ts';
import { createFlagsHandler } from './handlers/flags.ts';
import { serveHealth } from './handlers/health.ts';
import { HEALTH_ENDPOINTS, type HealthCheckRunner, type HealthEndpoint } from './health-checks.ts';
import { createFlagzHandler, createStatuszHandler, type ZPagesInfo } from './handlers/zpages.ts';

const READ_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
const ANY_METHOD = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
/** Go 1.22's pprof routes take GET (HEAD is GET without a body); /symbol, the only POST one, has no Node equivalent. */
const PPROF_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
/** controller-runtime refuses to let an extra handler replace it, with its own text. */
const METRICS_PATH = '/metrics';

/** What route handlers are made from, at start. */
export interface RouteContext {
  readonly registry: MetricsRegistry;
  /** First path segments of every route, sorted (the `Paths` line of `/statusz`). */
  readonly paths: readonly string[];
  readonly log: Logger;
  readonly healthChecks: HealthCheckRunner;
  readonly startTime: Date;
  /** What `PUT /debug/flags/v` changes; throws `KDIAG_SERVER_INVALID_OPTIONS` when there is nothing. */
  verbosityControl(): VerbosityControl;
  /** The handler of `/debug/pprof/`: the one given, or the default one, created now. */
  pprofHandler(): Promise<RequestHandler>;
}

/** One route of the table: its path, the methods it takes, whether the filter wraps it, and its handler. */
export interface RouteSpec {
  /** Exact path, or a subtree prefix ending in `/`. */
  readonly pattern: string;
  /** Methods for `Allow` on 405, OPTIONS and TRACE. */
  readonly allow: readonly string[];
  /** Wrapped by the filter (everything but the health endpoints). */
  readonly filtered: boolean;
  /** Made once, at start. */
  readonly handler: (ctx: RouteContext) => RequestHandler | Promise<RequestHandler>;
}

/**
 * The one route table of a server: the built-in routes its options mount, then the extra handlers.
 * Validation and routing both read it, so an extra handler is refused on exactly the paths the router
 * serves. Throws controller-runtime's texts: `KDIAG_SERVER_BUILTIN_OVERRIDE` for `/metrics`,
 * `KDIAG_SERVER_DUPLICATE_PATH` for any other built-in path.
 */
export function routeTable(o: ResolvedDiagnosticsServerOptions): readonly RouteSpec[] {
  const routes = builtinRoutes(o);
  const builtin = new Set(routes.map((r) => r.pattern));
  for (const [pattern, handler] of Object.entries(o.extraHandlers)) {
    if (pattern === METRICS_PATH) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.BUILTIN_OVERRIDE,
        'overriding builtin /metrics endpoint is not allowed',
      );
    }
    if (builtin.has(pattern)) throw duplicatePathError(pattern);
    routes.push({ pattern, allow: ANY_METHOD, filtered: true, handler: () => handler });
  }
  return routes;
}

function builtinRoutes(o: ResolvedDiagnosticsServerOptions): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      pattern: METRICS_PATH,
      allow: READ_METHODS,
      filtered: true,
      handler: (c) => createMetricsHandler(c.registry, c.log, o.gzipMinBytes),
    },
  ];
  if (o.healthProbes) {
    for (const endpoint of HEALTH_ENDPOINTS) {
      const handler = (c: RouteContext): RequestHandler => healthHandler(c.healthChecks, c.log, endpoint);
      for (const pattern of healthPatterns(endpoint))
        routes.push({ pattern, allow: READ_METHODS, filtered: false, handler });
    }
  }
  // Insecure mode serves /metrics and health only: the rest is not registered at all.
  if (!o.secureServing) return routes;
  routes.push({
    pattern: '/debug/flags/v',
    allow: ['PUT'],
    filtered: true,
    handler: (c) => createFlagsHandler(c.verbosityControl(), o.flagsMaxBodyBytes),
  });
  if (o.pprofHandler !== null) {
    routes.push({
      pattern: '/debug/pprof/',
      allow: PPROF_METHODS,
      filtered: true,
      handler: async (c) => withMethods(await c.pprofHandler(), PPROF_METHODS),
    });
  }
  const zpages = o.zpages;
  if (zpages !== false) {
    routes.push({
      pattern: '/statusz',
      allow: READ_METHODS,
      filtered: true,
      handler: (c) => createStatuszHandler(zpagesInfo(zpages, c.startTime, c.paths)),
    });
    routes.push({
      pattern: '/flagz',
      allow: READ_METHODS,
      filtered: true,
      handler: (c) => createFlagzHandler(zpagesInfo(zpages, c.startTime, c.paths)),
    });
  }
  return routes;
}

/** An endpoint at `/<endpoint>` and, for its one-check form `/<endpoint>/<name>`, the subtree. */
function healthPatterns(endpoint: HealthEndpoint): readonly string[] {
  return [`/${endpoint}`, `/${endpoint}/`];
}

function healthHandler(checks: HealthCheckRunner, log: Logger, endpoint: HealthEndpoint): RequestHandler {
  const prefix = `/${endpoint}`;
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    return serveHealth(checks, endpoint, log, req, res, url.pathname.slice(prefix.length), url.searchParams);
  };
}

/**
 * The router of the health-probe listener: the health endpoints alone, as the diagnostics port serves
 * them, with no filter.
 */
export function probeRouter(checks: HealthCheckRunner, log: Logger): Router {
  const router = new Router();
  for (const endpoint of HEALTH_ENDPOINTS) {
    const handler = healthHandler(checks, log, endpoint);
    for (const pattern of healthPatterns(endpoint)) router.add({ pattern, handler, allow: READ_METHODS });
  }
  return router;
}

function zpagesInfo(z: ResolvedZPagesOptions, startTime: Date, paths: readonly string[]): ZPagesInfo {
  const flags = z.flags;
  return {
    componentName: z.componentName,
    binaryVersion: z.binaryVersion,
    emulationVersion: z.emulationVersion,
    startTime,
    flags: typeof flags === 'function' ? flags : () => flags,
    confidentialFlags: new Set(z.confidentialFlags),
    paths: () => paths,
  };
}

function servedPaths(table: readonly RouteSpec[]): readonly string[] {
  return [...new Set(table.map((r) => '/' + (r.pattern.split('/')[1] ?? '')))].sort();
}

/**
 * The router serving the table: each handler made now, the filtered ones wrapped by `filter`.
 *
 * @param allowed called when a request reaches the handler of a filtered route: the filter (a black
 *   box) allowed it, or there is no filter to ask.
 */
export async function buildRouter(
  table: readonly RouteSpec[],
  deps: Omit<RouteContext, 'paths'>,
  filter: Filter | undefined,
  allowed: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Router> {
  const router = new Router();
  const ctx: RouteContext = { ...deps, paths: servedPaths(table) };
  for (const spec of table) {
    const handler = await spec.handler(ctx);
    if (!spec.filtered) {
      router.add({ pattern: spec.pattern, handler, allow: spec.allow });
      continue;
    }
    const reached: RequestHandler = (req, res) => {
      allowed(req, res);
      return handler(req, res);
    };
    router.add({
      pattern: spec.pattern,
      handler: filter === undefined ? reached : filter(ctx.log, reached),
      allow: spec.allow,
    });
  }
  return router;
}
