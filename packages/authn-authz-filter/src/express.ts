import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeHttpError } from './http-error.ts';
import type { AuthnAuthz } from './authn-authz-core.ts';
import type { Logger } from './logger.ts';
import { requestAttributesFromNode } from './request-attributes.ts';
import { admit } from './admit.ts';

/** Connect/Express-style middleware: `(req, res, next)`. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The decision core as Express (or Connect) middleware: rejected requests are answered 401/403/500
 * here; allowed ones continue with `next()`, the Authorization header removed and the user available
 * through `getRequestUser(req)`. Express itself is not needed to use or test it.
 *
 * @example
 * const core = await createAuthnAuthz({}, { logger, registry });
 * app.use('/metrics', authnAuthzMiddleware(core));
 */
export function authnAuthzMiddleware(core: AuthnAuthz, log?: Logger): Middleware {
  return (req, res, next) => {
    const attrs = requestAttributesFromNode(req);
    const apply = (d: Awaited<ReturnType<AuthnAuthz['decide']>>): void => {
      if (!d.allowed) {
        writeHttpError(res, d.status, d.body);
        core.audit(attrs, d, d.status, log);
        return;
      }
      admit(req, d);
      if (core.auditEnabled(log)) res.once('close', () => core.audit(attrs, d, res.statusCode, log));
      next();
    };
    const d = core.decide(attrs, log);
    if (d instanceof Promise) d.then(apply, next);
    else apply(d);
  };
}
