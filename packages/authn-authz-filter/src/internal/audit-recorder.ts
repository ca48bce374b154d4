import type { AuditEvent, AuditSink } from '../audit.ts';
import { buildAuditEvent } from '../audit.ts';
import type { Decision } from '../decision.ts';
import type { KeyValues, Logger } from '../logger.ts';
import type { RequestAttributes } from '../request-attributes.ts';

/**
 * Where the audit record of a decision goes, as the `audit` option says: a log line at a verbosity
 * (built only when that verbosity is on), a sink function (whose failure is logged, never thrown),
 * or nowhere.
 */
export class AuditRecorder {
  readonly #setting: number | false | AuditSink;
  readonly #wallClock: () => number;

  constructor(setting: number | false | AuditSink, wallClock: () => number) {
    this.#setting = setting;
    this.#wallClock = wallClock;
  }

  /** True when {@link record} would write something for `log`. */
  enabled(log: Logger): boolean {
    const setting = this.#setting;
    if (setting === false) return false;
    if (typeof setting === 'function') return true;
    return log.V(setting).enabled;
  }

  /** Records a finished request; `code` is the status actually sent. */
  record(attrs: RequestAttributes, decision: Decision, code: number, log: Logger): void {
    const setting = this.#setting;
    if (setting === false) return;
    if (typeof setting === 'number') {
      const v = log.V(setting);
      if (v.enabled)
        v.info('Audit', buildAuditEvent(attrs, decision, code, this.#wallClock()) as unknown as KeyValues);
      return;
    }
    let event: AuditEvent | undefined;
    try {
      event = buildAuditEvent(attrs, decision, code, this.#wallClock());
      setting(event);
    } catch (err) {
      log.error(err, 'Audit sink failed', { auditID: event?.auditID });
    }
  }
}
