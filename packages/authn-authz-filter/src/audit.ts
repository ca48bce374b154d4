import { randomUUID } from 'node:crypto';
import type { Decision } from './decision.ts';
import type { RequestAttributes } from './request-attributes.ts';

/**
 * One decision, in the shape of a kube-apiserver `audit.k8s.io/v1` Event at level Metadata, stage
 * ResponseComplete, so existing audit tooling can read it. Carries no credential: no token, no
 * Authorization header, no certificate.
 */
export interface AuditEvent {
  readonly kind: 'Event';
  readonly apiVersion: 'audit.k8s.io/v1';
  readonly level: 'Metadata';
  readonly auditID: string;
  readonly stage: 'ResponseComplete';
  readonly requestURI: string;
  readonly verb: string;
  readonly user: {
    readonly username?: string;
    readonly uid?: string;
    readonly groups?: readonly string[];
    readonly extra?: Readonly<Record<string, readonly string[]>>;
  };
  readonly sourceIPs: readonly string[];
  readonly userAgent?: string;
  readonly responseStatus: {
    readonly metadata: Record<string, never>;
    readonly code: number;
    readonly status?: 'Failure';
    readonly reason?: string;
    readonly message?: string;
  };
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
  /**
   * `authorization.k8s.io/decision` (`allow`|`forbid`) and `authorization.k8s.io/reason` as the
   * apiserver writes them, plus `authn-authz.kubediag.io/latency` (decision time, e.g. `0.042ms`),
   * `authn-authz.kubediag.io/authenticated-by`, `authn-authz.kubediag.io/result` and, for a decision
   * served from a stale cache entry, `authn-authz.kubediag.io/stale: "true"`.
   */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Receives audit events; must not throw (a throw is logged and ignored). */
export type AuditSink = (event: AuditEvent) => void;

const FAILURE_REASON: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** Builds the audit event of a finished request; `code` is the response status actually sent. */
export function buildAuditEvent(
  attrs: RequestAttributes,
  decision: Decision,
  code: number,
  endedAt: number = Date.now(),
): AuditEvent {
  const user = decision.user;
  const annotations: Record<string, string> = {
    'authn-authz.kubediag.io/result': decision.result,
    'authn-authz.kubediag.io/latency': `${decision.latencyMs.toFixed(3)}ms`,
  };
  if (user !== undefined) annotations['authn-authz.kubediag.io/authenticated-by'] = user.authenticatedBy;
  // No authorization decision was made when authentication failed or was throttled.
  const authenticationEnded =
    decision.result === 'unauthorized' ||
    decision.result === 'authentication_error' ||
    (decision.result === 'throttled' && user === undefined);
  if (!authenticationEnded) {
    annotations['authorization.k8s.io/decision'] = decision.allowed ? 'allow' : 'forbid';
    annotations['authorization.k8s.io/reason'] = decision.reason;
  }
  if (decision.stale) annotations['authn-authz.kubediag.io/stale'] = 'true';
  const failed = !decision.allowed;
  const reason = FAILURE_REASON[code];
  const userAgent = attrs.headers['user-agent'];
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: attrs.url,
    verb: decision.verb,
    user:
      user === undefined
        ? {}
        : {
            username: user.username,
            ...(user.uid === undefined || user.uid === '' ? {} : { uid: user.uid }),
            groups: user.groups,
            ...(user.extra === undefined ? {} : { extra: user.extra }),
          },
    sourceIPs: attrs.remoteAddress === undefined || attrs.remoteAddress === '' ? [] : [attrs.remoteAddress],
    ...(typeof userAgent === 'string' ? { userAgent } : {}),
    responseStatus: {
      metadata: {},
      code,
      ...(failed ? { status: 'Failure' as const, message: decision.body.trimEnd() } : {}),
      ...(failed && reason !== undefined ? { reason } : {}),
    },
    requestReceivedTimestamp: new Date(decision.receivedAt).toISOString(),
    stageTimestamp: new Date(endedAt).toISOString(),
    annotations,
  };
}
