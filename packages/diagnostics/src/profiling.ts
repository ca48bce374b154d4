import type { Logger } from '@kubediag/klog';
import { extendValidated } from '@kubediag/options';
import {
  createPprofHandler,
  isPprofError,
  PprofErrorCode,
  type PprofHandler,
  type PprofOptions,
  type ResolvedPprofOptions,
  type StallRecord,
} from '@kubediag/pprof';
import type { Registry } from 'prom-client';
import { loadFlightRecorderMetrics } from './flight-recorder-metrics.ts';

/** What `withDiagnostics` hands the pprof handler besides its validated options. */
export interface ProfilingWiring {
  readonly logger: Logger;
  readonly registry: Registry;
  /** Whether the diagnostics port serves `/debug/pprof/` (secure mode). */
  readonly served: boolean;
}

/**
 * The pprof handler of `withDiagnostics`, or undefined when there is nothing for one to do.
 *
 * Served (secure mode), it is the handler of `/debug/pprof/`. Not served (insecure mode, where Cluster
 * API registers no pprof), it is created only for its flight recorder — the stall warning and the
 * stall metrics need no port — and starts no heap sampler, which would cost every allocation for
 * profiles nobody can fetch.
 *
 * Resolves once the recorder samples, so that code the operator compiles afterwards is named in its
 * profiles (V8's profiler only names code it saw compiled: pprof's bench/RESULTS.md). A recorder that
 * cannot start is logged by the handler, which then serves as without one.
 */
export async function startProfiling(
  profiling: ResolvedPprofOptions,
  wiring: ProfilingWiring,
): Promise<PprofHandler | undefined> {
  const recording = profiling.flightRecorder.enabled;
  if (!wiring.served && !recording) return undefined;
  const registerMetrics = recording ? await loadFlightRecorderMetrics(wiring.registry) : undefined;

  let countStall: ((record: StallRecord) => void) | undefined;
  const own = profiling.flightRecorder.stalls.onStall;
  const onStall = (record: StallRecord): void => {
    countStall?.(record);
    own?.(record);
  };
  const extra: Pick<PprofOptions, 'logger' | 'heap'> = {
    logger: wiring.logger,
    ...(wiring.served ? {} : { heap: { ...profiling.heap, startOnCreate: false } }),
  };
  const recorder = profiling.flightRecorder;
  let handler: PprofHandler;
  try {
    handler = createPprofHandler(
      extendValidated(profiling, {
        ...extra,
        // Not served, the warning names no profile path: it would answer 404.
        flightRecorder: {
          ...recorder,
          stalls: {
            ...recorder.stalls,
            onStall,
            logProfilePath: recorder.stalls.logProfilePath && wiring.served,
          },
        },
      }),
    );
  } catch (err) {
    if (!isPprofError(err, PprofErrorCode.FLIGHT_RECORDER_IN_USE)) throw err;
    // One recorder per thread (V8 has one CPU profiler): the one running already sees every stall of
    // this thread and reports it through its own logger and registry.
    wiring.logger.info(
      'Flight recorder already running in this thread; this diagnostics instance runs without its own',
    );
    handler = createPprofHandler(
      extendValidated(profiling, { ...extra, flightRecorder: { ...recorder, enabled: false } }),
    );
  }
  const running = handler;
  if (registerMetrics !== undefined && running.flightRecorder !== undefined)
    countStall = registerMetrics(() => running.flightRecorder);
  await running.ready().catch(() => undefined);
  return running;
}
