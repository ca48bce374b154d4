import type { ProbeQuery, ProbeReport } from '../health-checks.ts';

/** The name of the watchdog's own outcome while the main loop is blocked. */
export const EVENT_LOOP = 'event-loop';

/** `750ms`, `5.0s`: the duration format of the stall lines (and of @kubediag/pprof's). */
export function formatBlockedDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * What the watchdog reports, by itself, for a probe while the main loop has been blocked for
 * `blockedMs` (the registered checks run on the main thread and cannot run now). The policy:
 *
 * - `/readyz` fails at once: a blocked operator serves nothing, so traffic should go elsewhere.
 *   Aggregate: `[-]event-loop failed: blocked for 5.0s` (the one reason shown unauthenticated).
 * - `/livez` and `/healthz` fail only once the block is longer than `livenessFailAfterMs`: a short
 *   stall does not get the pod restarted, a stuck loop does. Until then they answer ok, and a verbose
 *   answer says why with a `warn:` line.
 * - `/<endpoint>/<name>` answers for any name as its endpoint does (the worker does not know the
 *   names of the checks the main thread holds): failed with `event loop blocked for 5.0s`, or ok.
 * - `event-loop` cannot be excluded: an `?exclude=event-loop` matches nothing, like the implicit ping.
 */
export function blockedReport(
  query: ProbeQuery,
  blockedMs: number,
  livenessFailAfterMs: number,
): ProbeReport {
  const failing = query.endpoint === 'readyz' || blockedMs > livenessFailAfterMs;
  const reason = `blocked for ${formatBlockedDuration(blockedMs)}`;
  if (query.check !== undefined) {
    return {
      outcomes: [
        failing
          ? { name: query.check, state: 'failed', error: `event loop ${reason}` }
          : { name: query.check, state: 'ok' },
      ],
    };
  }
  if (failing)
    return { outcomes: [{ name: EVENT_LOOP, state: 'failed', error: reason, publicReason: reason }] };
  return {
    outcomes: [{ name: EVENT_LOOP, state: 'ok' }],
    warnings: [
      `event loop ${reason}, checks not run; ${query.endpoint} fails once blocked for more than ${formatBlockedDuration(livenessFailAfterMs)}`,
    ],
  };
}
