import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyDecision } from './apply-decision.ts';
import type { AuthnAuthz } from './authn-authz.ts';
import { createAuthnAuthz } from './authn-authz.ts';
import type { Decision } from './decision.ts';
import type { Logger } from './logger.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { AuthnAuthzOptions } from './options.ts';
import { applyAuthnAuthzOptions } from './options.ts';
import type { RequestAttributes } from './request-attributes.ts';
import { requestAttributesFromNode } from './request-attributes.ts';

// The filter hook, declared structurally here and in @kubediag/diagnostics-server (neither imports the
// other), mirroring controller-runtime's FilterProvider / Filter.

/** A `node:http` request listener. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** What the host server hands a FilterProvider once at start. */
export interface FilterContext {
  logger: Logger;
  registry?: MetricsRegistry;
  kubeConfig?: unknown;
}

/** Wraps one handler; `log` is the host's logger for that handler. */
export type Filter = (log: Logger, handler: RequestHandler) => RequestHandler;

/** A filter with what releases the resources it holds (review connections, the client-CA reload timer). The host calls `close()` once, when it stops. */
export interface ClosableFilter {
  readonly filter: Filter;
  close(): Promise<void>;
}

/** Called once at start; may throw, which fails the start. */
export type FilterProvider = (
  ctx: FilterContext,
) => Filter | ClosableFilter | Promise<Filter | ClosableFilter>;

/** Wraps `handler` with an existing decision core; what the provider's Filter does per handler. */
export function filterWith(core: AuthnAuthz, log: Logger, handler: RequestHandler): RequestHandler {
  return (req, res) => {
    const attrs = requestAttributesFromNode(req);
    const d = core.decide(attrs, log);
    if (d instanceof Promise) return handleWhenDecided(core, log, handler, req, res, attrs, d);
    if (applyDecision(core, req, res, attrs, d, log)) return handler(req, res);
    return undefined;
  };
}

// Apart from filterWith so that its closure is made only for a decision that needed a review.
function handleWhenDecided(
  core: AuthnAuthz,
  log: Logger,
  handler: RequestHandler,
  req: IncomingMessage,
  res: ServerResponse,
  attrs: RequestAttributes,
  decision: Promise<Decision>,
): Promise<void> {
  return decision.then((d) => {
    if (applyDecision(core, req, res, attrs, d, log)) return handler(req, res);
    return undefined;
  });
}

/**
 * Kubernetes authentication and authorization for `node:http` handlers, wire-compatible with
 * controller-runtime's `filters.WithAuthenticationAndAuthorization`: a FilterProvider for
 * @kubediag/diagnostics-server (or any host using the same hook). Options are validated now, so a
 * mistake fails where it is written; the Kubernetes client is set up when the host calls the provider,
 * which resolves to the filter and the `close()` that releases its connections and timers. The
 * provider is a {@link FilterProvider}; its result is always a {@link ClosableFilter}.
 *
 * @example
 * const provider = withAuthenticationAndAuthorization({ staleIfErrorGraceMs: 120_000 });
 * const { filter, close } = await provider({ logger, registry, kubeConfig });
 * const server = http.createServer(filter(logger, (req, res) => res.end('ok')));
 * // on shutdown: server.close(); await close();
 */
export function withAuthenticationAndAuthorization(
  options?: AuthnAuthzOptions,
): (ctx: FilterContext) => Promise<ClosableFilter> {
  const resolved = applyAuthnAuthzOptions(options);
  return async (ctx: FilterContext): Promise<ClosableFilter> => {
    const core = await createAuthnAuthz(resolved, {
      logger: ctx.logger,
      registry: ctx.registry,
      kubeConfig: ctx.kubeConfig,
    });
    return {
      filter: (log, handler) => filterWith(core, log, handler),
      close: () => core.close(),
    };
  };
}
