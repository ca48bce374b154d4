import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeGoHttpError } from '@kubediag/options';
import type { AuthnAuthz } from './authn-authz.ts';
import type { Decision } from './decision.ts';
import type { Logger } from './logger.ts';
import type { RequestAttributes } from './request-attributes.ts';
import { stripAuthorization } from './strip-authorization.ts';
import { setRequestUser } from './user-info.ts';

/**
 * Carries out a decision on a `node:http` exchange; true when the handler may run. A rejected
 * request is answered here, as Go's `http.Error` answers it, and audited. An allowed one loses its
 * credential and gets its user (for `getRequestUser`), and is audited with the handler's status when
 * its response ends.
 */
export function applyDecision(
  core: AuthnAuthz,
  req: IncomingMessage,
  res: ServerResponse,
  attrs: RequestAttributes,
  d: Decision,
  log: Logger | undefined,
): boolean {
  if (!d.allowed) {
    // The decision's body ends with http.Error's newline, which writeGoHttpError adds itself.
    const headers =
      d.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(d.retryAfterSeconds) };
    writeGoHttpError(res, d.status, d.body.slice(0, -1), headers);
    core.audit(attrs, d, d.status, log);
    return false;
  }
  stripAuthorization(req);
  if (d.user !== undefined) setRequestUser(req, d.user);
  if (core.auditEnabled(log)) auditWhenSent(core, res, attrs, d, log);
  return true;
}

// Apart from applyDecision so that its closure is made only when an audit record is written.
function auditWhenSent(
  core: AuthnAuthz,
  res: ServerResponse,
  attrs: RequestAttributes,
  d: Decision,
  log: Logger | undefined,
): void {
  res.once('close', () => core.audit(attrs, d, res.statusCode, log));
}
