import type { IncomingMessage } from 'node:http';
import type { HealthCheck, Logger } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';

/** The health endpoints. */
export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';
export const HEALTH_ENDPOINTS: readonly HealthEndpoint[] = ['healthz', 'livez', 'readyz'];

// The checks' side of a probe, kept apart from answering it (handlers/health.ts): what a probe asks
// and what the checks report are plain data, so a probe listener in a worker thread (a watchdog that
// answers while the main event loop is blocked) can ask the main thread over a MessagePort.

/** What a probe asks the checks of one endpoint. Plain data (structured-clone safe). */
export interface ProbeQuery {
  readonly endpoint: HealthEndpoint;
  /** One check by name (`/<endpoint>/<name>`); undefined runs every check of the endpoint. */
  readonly check?: string;
  /** Checks not to run (`?exclude=`), reported as excluded. */
  readonly exclude: readonly string[];
}

/** One check's result; `error` is the failure's message (shown only on `/<endpoint>/<name>`). */
export interface CheckOutcome {
  readonly name: string;
  readonly state: 'ok' | 'excluded' | 'failed';
  readonly error?: string;
  /**
   * A failure's reason shown on the aggregate too (`[-]event-loop failed: blocked for 5.0s`). Only the
   * watchdog's own `event-loop` outcome has one: it says how long the loop has been blocked and nothing
   * of the operator's data, whereas a registered check's error stays withheld there.
   */
  readonly publicReason?: string;
}

/**
 * What the checks report, in no particular order. A one-check query gets one outcome, or none when
 * there is no such check. Plain data (structured-clone safe).
 */
export interface ProbeReport {
  readonly outcomes: readonly CheckOutcome[];
  /** `warn:` lines of a verbose answer (the watchdog's: the loop is blocked, checks were not run). */
  readonly warnings?: readonly string[];
}

/** Runs the registered checks: the one thing a probe answerer needs from them. */
export interface HealthCheckRunner {
  /**
   * @param request handed to each check (controller-runtime's Checker gets the *http.Request); the
   *   one argument that does not cross a MessagePort.
   */
  run(query: ProbeQuery, request: IncomingMessage): Promise<ProbeReport>;
}

/** The implicit check of an endpoint without checks (controller-runtime's healthz.Handler). */
const PING = 'ping';

/**
 * The registered checks of the three endpoints (controller-runtime's AddHealthzCheck/AddReadyzCheck),
 * each run with a deadline, so a hung dependency cannot hang the kubelet's probe.
 */
export class HealthChecks implements HealthCheckRunner {
  readonly #checks: Record<HealthEndpoint, Map<string, HealthCheck>> = {
    healthz: new Map(),
    livez: new Map(),
    readyz: new Map(),
  };
  readonly #timeoutMs: number;
  readonly #log: Logger;

  constructor(timeoutMs: number, log: Logger) {
    this.#timeoutMs = timeoutMs;
    this.#log = log;
  }

  /** Throws `KDIAG_SERVER_HEALTH_CHECK` for an empty name, one with `/`, or one already added. */
  add(endpoint: HealthEndpoint, name: string, check: HealthCheck): void {
    if (typeof name !== 'string' || name === '' || name.includes('/') || typeof check !== 'function') {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.HEALTH_CHECK,
        `adding ${endpoint} check: expected a non-empty name without "/" and a function, got ${JSON.stringify(name)}`,
      );
    }
    const checks = this.#checks[endpoint];
    if (checks.has(name)) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.HEALTH_CHECK,
        `${endpoint} checker with name ${name} already exists`,
      );
    }
    checks.set(name, check);
  }

  async run(query: ProbeQuery, request: IncomingMessage): Promise<ProbeReport> {
    const checks = this.#checks[query.endpoint];
    if (checks.size === 0) {
      // The implicit ping is never excluded: an `?exclude=ping` is reported as matching nothing.
      const ping = query.check === undefined || query.check === PING;
      return { outcomes: ping ? [{ name: PING, state: 'ok' }] : [] };
    }
    if (query.check !== undefined) {
      const check = checks.get(query.check);
      return { outcomes: check === undefined ? [] : [await this.#outcome(query.check, check, request)] };
    }
    const excluded = new Set(query.exclude);
    const outcomes = await Promise.all(
      [...checks].map(([name, check]) =>
        excluded.has(name)
          ? Promise.resolve<CheckOutcome>({ name, state: 'excluded' })
          : this.#outcome(name, check, request),
      ),
    );
    return { outcomes };
  }

  async #outcome(name: string, check: HealthCheck, request: IncomingMessage): Promise<CheckOutcome> {
    try {
      await withDeadline(check, request, this.#timeoutMs);
      return { name, state: 'ok' };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.#log.V(1).info('healthz check failed', { checker: name, error });
      return { name, state: 'failed', error };
    }
  }
}

async function withDeadline(check: HealthCheck, req: IncomingMessage, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check did not finish within ${timeoutMs}ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => check(req)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
