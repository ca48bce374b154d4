import type { FlightRecorderStatus, StallRecord } from '@kubediag/pprof';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const STALLS_TOTAL = 'kubediag_event_loop_stalls_total';
export const STALL_DURATION_SECONDS = 'kubediag_event_loop_stall_duration_seconds';
export const FLIGHT_RECORDER_BYTES = 'kubediag_flight_recorder_bytes';

/**
 * From a quarter second (the order of the stall threshold, 500 ms by default) to a minute (the
 * recorder's window): where a liveness probe's timeout and period fall, so an alert can tell a
 * slow turn from one that gets the pod restarted.
 */
export const STALL_DURATION_BUCKETS: readonly number[] = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Registers the flight recorder's metrics; see {@link loadFlightRecorderMetrics}. */
export type RegisterFlightRecorderMetrics = (
  recorder: () => FlightRecorderStatus | undefined,
) => (record: StallRecord) => void;

/**
 * Loads prom-client (only when a recorder runs) and returns the synchronous step that registers the
 * flight recorder's metrics on `registry` and gives the `onStall` that moves them: synchronous, so
 * that it runs in the same turn as the recorder's creation and no stall can fall in between. The stall
 * counter and histogram are reused when the registry has them already (a second `withDiagnostics`
 * on prom-client's global registry counts on); the bytes gauge is replaced, since it reads the one
 * recorder a thread can run, which is the newest.
 */
export async function loadFlightRecorderMetrics(registry: Registry): Promise<RegisterFlightRecorderMetrics> {
  const prom = await import('prom-client');
  const registers = [registry];
  return (recorder) => {
    const stalls =
      (registry.getSingleMetric(STALLS_TOTAL) as Counter | undefined) ??
      new prom.Counter({
        name: STALLS_TOTAL,
        help: 'Times the event loop was blocked for longer than the flight recorder stall threshold.',
        registers,
      });
    const durations =
      (registry.getSingleMetric(STALL_DURATION_SECONDS) as Histogram | undefined) ??
      new prom.Histogram({
        name: STALL_DURATION_SECONDS,
        help: 'How long the event loop was blocked, per stall (from its last turn before the stall to its return).',
        buckets: [...STALL_DURATION_BUCKETS],
        registers,
      });
    if (registry.getSingleMetric(FLIGHT_RECORDER_BYTES) !== undefined)
      registry.removeSingleMetric(FLIGHT_RECORDER_BYTES);
    new prom.Gauge({
      name: FLIGHT_RECORDER_BYTES,
      help: 'Estimated heap bytes the flight recorder holds: its window of CPU samples and the stall records kept.',
      registers,
      collect(this: Gauge) {
        const status = recorder();
        this.set(status === undefined ? 0 : status.bytes + status.stallBytes);
      },
    });
    return (record) => {
      stalls.inc();
      durations.observe(record.durationMs / 1000);
    };
  };
}
