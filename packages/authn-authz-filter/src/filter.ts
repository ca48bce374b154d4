import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthnAuthzContext } from './authn-authz.ts';
import { createAuthnAuthz } from './authn-authz.ts';
import type { Decision } from './decision.ts';
import { writeHttpError } from './http-error.ts';
import type { AuthnAuthz } from './authn-authz-core.ts';
import type { Logger } from './logger.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { AuthnAuthzOptions } from './options.ts';
import { checkAuthnAuthzOptions } from './options.ts';
import type { RequestAttributes } from './request-attributes.ts';
import { requestAttributesFromNode } from './request-attributes.ts';
import { admit } from './admit.ts';

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

/** Called once at start; may throw, which fails the start. */
export type FilterProvider = (ctx: FilterContext) => Filter | Promise<Filter>;

/** Wraps `handler` with an existing decision core; what the provider's Filter does per handler. */
export function filterWith(core: AuthnAuthz, log: Logger, handler: RequestHandler): RequestHandler {
  const finish = (
    req: IncomingMessage,
    res: ServerResponse,
    attrs: RequestAttributes,
    d: Decision,
  ): void | Promise<void> => {
    if (!d.allowed) {
      writeHttpError(res, d.status, d.body);
      core.audit(attrs, d, d.status, log);
      return;
    }
    admit(req, d);
    // The audit record carries the handler's status, so it is written when the response ends.
    if (core.auditEnabled(log)) res.once('close', () => core.audit(attrs, d, res.statusCode, log));
    return handler(req, res);
  };
  return (req, res) => {
    const attrs = requestAttributesFromNode(req);
    const d = core.decide(attrs, log);
    if (d instanceof Promise) return d.then((decision) => finish(req, res, attrs, decision));
    return finish(req, res, attrs, d);
  };
}

/**
 * Kubernetes authentication and authorization for `node:http` handlers, wire-compatible with
 * controller-runtime's `filters.WithAuthenticationAndAuthorization`: a FilterProvider for
 * @kubediag/diagnostics-server (or any host using the same hook). Options are validated now, so a
 * mistake fails where it is written; the Kubernetes client is set up when the host calls the provider.
 *
 * @example
 * const provider = withAuthenticationAndAuthorization({ staleIfErrorGraceMs: 120_000 });
 * const filter = await provider({ logger, registry, kubeConfig });
 * http.createServer(filter(logger, (req, res) => res.end('ok')));
 */
export function withAuthenticationAndAuthorization(options?: AuthnAuthzOptions): FilterProvider {
  checkAuthnAuthzOptions(options);
  return async (ctx: FilterContext): Promise<Filter> => {
    const context: AuthnAuthzContext = {
      logger: ctx.logger,
      registry: ctx.registry,
      kubeConfig: ctx.kubeConfig,
    };
    const core = await createAuthnAuthz(options, context);
    return (log, handler) => filterWith(core, log, handler);
  };
}
