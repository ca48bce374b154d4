import type { IncomingMessage, ServerResponse } from 'node:http';

// The server logs through @kubediag/klog's Logger interface; any structurally compatible logger fits.
import type { Logger } from '@kubediag/klog';
export type { KeyValues, Logger, Verbose } from '@kubediag/klog';

/** Runtime verbosity switch behind `PUT /debug/flags/v` (structural mirror of klog's `VerbosityControl`). */
export interface VerbosityControl {
  readonly verbosity: number;
  setVerbosity(v: number): void;
  setVModule(spec: string): void;
}

/** A plain Node request handler; may return a promise (rejections become a 500). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * A prom-client 15 `Registry`, typed structurally so any compatible registry (or a second copy of
 * prom-client in the dependency tree) is accepted.
 */
export interface MetricsRegistry {
  /** Renders every metric in the registry's own exposition format. */
  metrics(): Promise<string>;
  /** `text/plain; version=0.0.4; charset=utf-8` or `application/openmetrics-text; version=1.0.0; charset=utf-8`. */
  readonly contentType: string;
  registerMetric?(metric: never): void;
  getSingleMetric?(name: string): unknown;
}

/** What a {@link FilterProvider} gets once at start (mirrors controller-runtime's FilterProvider inputs). */
export interface FilterContext {
  /** The server's logger. */
  logger: Logger;
  /** The metrics registry, so the filter can register its own metrics; `undefined` when metrics are off. */
  registry?: MetricsRegistry;
  /** Opaque to the server; the composition root passes a `@kubernetes/client-node` KubeConfig. */
  kubeConfig?: unknown;
}

// The filter hook (Filter, ClosableFilter, FilterProvider) is declared structurally here and in
// @kubediag/authn-authz-filter: neither package imports the other.

/** Wraps one route's handler with authentication and authorization (controller-runtime's `Filter`). */
export type Filter = (log: Logger, handler: RequestHandler) => RequestHandler;

/** A filter with what releases the resources it holds (review connections, the client-CA reload timer). The host calls `close()` once, when it stops. */
export interface ClosableFilter {
  readonly filter: Filter;
  close(): Promise<void>;
}

/** Builds the filter once at start; may throw or reject, which fails the start. */
export type FilterProvider = (
  ctx: FilterContext,
) => Filter | ClosableFilter | Promise<Filter | ClosableFilter>;

/**
 * A named health check (controller-runtime's `healthz.Checker`): resolve for healthy, throw or reject
 * for unhealthy. The error message is shown only on the single-check endpoint `/<endpoint>/<name>`.
 */
export type HealthCheck = (req: IncomingMessage) => void | Promise<void>;
