import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyDecision } from './apply-decision.ts';
import type { AuthnAuthz } from './authn-authz.ts';
import type { Decision } from './decision.ts';
import type { Logger } from './logger.ts';
import type { RequestAttributes } from './request-attributes.ts';
import { requestAttributesFromNode } from './request-attributes.ts';

/** Connect/Express-style middleware: `(req, res, next)`. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The decision core as Express (or Connect) middleware: rejected requests are answered 401/403/500
 * here; allowed ones continue with `next()`, the Authorization header removed and the user available
 * through `getRequestUser(req)`. Express itself is not needed to use or test it. The middleware opens
 * nothing of its own: the core belongs to whoever created it, who closes it on shutdown.
 *
 * @example
 * const core = await createAuthnAuthz({}, { logger, registry });
 * app.use('/metrics', authnAuthzMiddleware(core));
 * // on shutdown: await core.close();
 */
export function authnAuthzMiddleware(core: AuthnAuthz, log?: Logger): Middleware {
  return (req, res, next) => {
    const attrs = requestAttributesFromNode(req);
    const d = core.decide(attrs, log);
    if (d instanceof Promise) nextWhenDecided(core, log, req, res, next, attrs, d);
    else if (applyDecision(core, req, res, attrs, d, log)) next();
  };
}

// Apart from the middleware so that its closure is made only for a decision that needed a review.
function nextWhenDecided(
  core: AuthnAuthz,
  log: Logger | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
  attrs: RequestAttributes,
  decision: Promise<Decision>,
): void {
  decision.then((d) => {
    if (applyDecision(core, req, res, attrs, d, log)) next();
  }, next);
}
