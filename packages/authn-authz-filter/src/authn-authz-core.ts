import type { Decision } from './decision.ts';
import type { Logger } from './logger.ts';
import type { ResolvedAuthnAuthzOptions } from './options.ts';
import type { RequestAttributes } from './request-attributes.ts';

/** The framework-independent decision core behind the filter and the adapters. */
export interface AuthnAuthz {
  /**
   * Decides one request. Returns synchronously when everything needed is cached (the hot path),
   * otherwise a promise. Never throws or rejects: failures become 401/500 decisions (fail closed).
   */
  decide(attrs: RequestAttributes, log?: Logger): Decision | Promise<Decision>;
  /** True when an audit record would be emitted (check before paying for a response listener). */
  auditEnabled(log?: Logger): boolean;
  /** Emits the audit record of a finished request; `code` is the status actually sent. */
  audit(attrs: RequestAttributes, decision: Decision, code: number, log?: Logger): void;
  /** The options in effect, defaults filled in. */
  readonly options: ResolvedAuthnAuthzOptions;
  /** Drops caches, stops the client CA reload timer and closes pooled connections. */
  close(): void;
}
