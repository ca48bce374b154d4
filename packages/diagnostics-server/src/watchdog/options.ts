import { boolean, duration, integer, object, oneOf, type Check, type OptionProblem } from '@kubediag/options';

/**
 * The health-probe watchdog: the probe listener served from a worker thread, which answers probes
 * itself while the main event loop is blocked (README, "The health-probe watchdog").
 */
export interface HealthProbeWatchdogOptions {
  /**
   * Serve the health-probe listener (`healthProbeBindAddress`, which must then be set) from a worker
   * thread. Off switch: `false` serves it from the main thread. @default false
   */
  readonly enabled?: boolean;
  /**
   * The main event loop counts as blocked once it has not turned for this long (its heartbeat, every
   * fifth of this and at most every 100 ms, is older). `/readyz` then fails at once. Keep it under the
   * kubelet's probe timeout (1 s by default): a probe that arrives just as the loop stops is answered
   * after at most this long. From 50 ms to 1 min. @default 500
   */
  readonly blockedAfterMs?: number;
  /**
   * `/livez` and `/healthz` fail only once the loop has been blocked for longer than this, so that a
   * short stall does not get the pod restarted and a stuck loop does. At least `blockedAfterMs`.
   * @default 10000
   */
  readonly livenessFailAfterMs?: number;
  /**
   * While the loop stays blocked, the worker writes `"Event loop blocked" duration="5.0s" state="still
   * blocked"` every this often, and one `state="returned"` line once the loop is back. Off switch: `0`
   * (the worker then writes nothing itself). @default 5000
   */
  readonly logIntervalMs?: number;
  /**
   * Format of the lines the worker writes itself (those above, and its own while the loop is blocked):
   * the main logger's `format`. Every other line goes through the server's `logger`. @default 'text'
   */
  readonly logFormat?: 'text' | 'json';
  /**
   * File descriptor the worker writes those lines to, without blocking (the main logger's output:
   * `2` for stderr, `1` for stdout, or a `createFileOutput` descriptor). @default 2
   */
  readonly logFd?: number;
}

/** HealthProbeWatchdogOptions with every default filled in. */
export interface ResolvedHealthProbeWatchdogOptions {
  readonly enabled: boolean;
  readonly blockedAfterMs: number;
  readonly livenessFailAfterMs: number;
  readonly logIntervalMs: number;
  readonly logFormat: 'text' | 'json';
  readonly logFd: number;
}

export const WATCHDOG_DEFAULTS: ResolvedHealthProbeWatchdogOptions = Object.freeze({
  enabled: false,
  blockedAfterMs: 500,
  livenessFailAfterMs: 10_000,
  logIntervalMs: 5000,
  logFormat: 'text',
  logFd: 2,
});

export const WATCHDOG_SHAPE: Check = object({
  enabled: boolean(),
  blockedAfterMs: duration({ min: 50, max: 60_000 }),
  livenessFailAfterMs: duration(),
  logIntervalMs: duration(),
  logFormat: oneOf(['text', 'json']),
  logFd: integer({ min: 0 }),
});

/**
 * The watchdog's cross-field rules, given the problems found so far (a field already reported is not
 * reported twice).
 */
export function watchdogProblems(
  watchdog: ResolvedHealthProbeWatchdogOptions,
  healthProbeBindAddress: string,
  problems: readonly OptionProblem[],
): OptionProblem[] {
  const invalid = new Set(problems.map((p) => p.path));
  const out: OptionProblem[] = [];
  if (watchdog.enabled === true && healthProbeBindAddress === '0') {
    out.push({
      path: 'healthProbeWatchdog.enabled',
      message:
        'expected healthProbeBindAddress to be set (the watchdog serves the health-probe listener), got "0"',
    });
  }
  if (
    !invalid.has('healthProbeWatchdog.blockedAfterMs') &&
    !invalid.has('healthProbeWatchdog.livenessFailAfterMs') &&
    watchdog.livenessFailAfterMs < watchdog.blockedAfterMs
  ) {
    out.push({
      path: 'healthProbeWatchdog.livenessFailAfterMs',
      message: `expected at least blockedAfterMs (${watchdog.blockedAfterMs}), got ${watchdog.livenessFailAfterMs}`,
    });
  }
  return out;
}
