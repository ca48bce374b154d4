import type { FlightRecorderStatus, StallRecord, StallScheduling } from '@kubediag/pprof';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const STALLS_TOTAL = 'kubediag_event_loop_stalls_total';
export const STALL_DURATION_SECONDS = 'kubediag_event_loop_stall_duration_seconds';
export const FLIGHT_RECORDER_BYTES = 'kubediag_flight_recorder_bytes';
export const STALL_CPU_SECONDS = 'kubediag_event_loop_stall_cpu_seconds_total';
export const STALL_CPU_WAIT_SECONDS = 'kubediag_event_loop_stall_cpu_wait_seconds_total';
export const STALL_THROTTLED_SECONDS = 'kubediag_event_loop_stall_throttled_seconds_total';

// How the main thread spent its stalls, from the kernel (Linux): three counters, not one with a
// label, because the figures do not add up — on a CPU and waiting for one cover part of a stall
// each, while throttling is the cgroup's, summed over the CPUs it was throttled on.
const SCHEDULING_COUNTERS = [
  {
    name: STALL_CPU_SECONDS,
    help: "Seconds the event loop's thread was on a CPU during stalls: the process's own work (JavaScript, GC, native code). Linux.",
    seconds: (s: StallScheduling) => s.onCpuMs / 1000,
  },
  {
    name: STALL_CPU_WAIT_SECONDS,
    help: "Seconds the event loop's thread was runnable but waiting for a CPU during stalls: other threads or processes had the cores, or the CPU limit throttled it. Linux.",
    seconds: (s: StallScheduling) => s.waitingMs / 1000,
  },
  {
    name: STALL_THROTTLED_SECONDS,
    help: "Seconds the process's cgroup was throttled by its CPU limit during stalls, summed over the CPUs it was throttled on. Linux, where the cgroup's cpu.stat is readable.",
    seconds: (s: StallScheduling) => (s.throttledMs ?? 0) / 1000,
  },
] as const;

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
 * counters and histogram are reused when the registry has them already (a second `withDiagnostics`
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
    const scheduling = SCHEDULING_COUNTERS.map(
      ({ name, help, seconds }) =>
        [
          (registry.getSingleMetric(name) as Counter | undefined) ??
            new prom.Counter({ name, help, registers }),
          seconds,
        ] as const,
    );
    return (record) => {
      stalls.inc();
      durations.observe(record.durationMs / 1000);
      const spent = record.scheduling;
      if (spent !== undefined) for (const [counter, seconds] of scheduling) counter.inc(seconds(spent));
    };
  };
}
