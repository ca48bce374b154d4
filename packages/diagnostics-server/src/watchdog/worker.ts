import { createFileOutput, createLogger, getOutputControl } from '@kubediag/klog';
import { startProbeListener, type ProbeListener } from '../probe-listener.ts';
import { HeartbeatReader } from './heartbeat.ts';
import type { MainMessage, ProbeWorkerData, WorkerMessage } from './protocol.ts';
import { RelayLogger, postLine, replayLine, type RelayedLine } from './relay-logger.ts';
import { RemoteCheckRunner } from './remote-checks.ts';
import { StallLog } from './stall-log.ts';

/**
 * Bound of what the worker buffers for its own lines on a slow descriptor; a line that does not fit is
 * dropped and counted (klog's policy). The worker writes a few lines per block: 64 KiB is hundreds.
 */
const OWN_LINES_MAX_BYTES = 64 * 1024;

/**
 * The watchdog's worker thread: the health-probe listener (the same one the main thread would run),
 * answering with the main thread's checks while its loop turns and by itself while it is blocked, and
 * logging a block while it lasts.
 *
 * Its lines go through the server's logger on the main thread ({@link RelayLogger}), except while the
 * main loop is blocked, when nothing there can write: the "still blocked" lines and the listener's own
 * V(0) lines are then written here, by a klog logger of the main logger's format on the same file
 * descriptor, with klog's non-blocking, bounded writes.
 */
export async function runProbeWorker(data: ProbeWorkerData): Promise<void> {
  const { port, settings, watchdog } = data;
  const heartbeat = new HeartbeatReader(data.heartbeat, watchdog.blockedAfterMs);
  const own = createLogger({
    format: watchdog.logFormat,
    output: createFileOutput(watchdog.logFd),
    maxBufferedBytes: OWN_LINES_MAX_BYTES,
  }).withName('diagnostics-server');
  const post = (message: WorkerMessage): void => port.postMessage(message);
  const relay = (line: RelayedLine): void => {
    if (heartbeat.blockedForMs() !== undefined) {
      // Nothing would be written before the loop returns, and a queue could grow for as long as it
      // stays blocked: the lines -v 0 would show are written here (unless the worker is told to
      // write nothing itself), the rest dropped.
      if (line.level === 0 && watchdog.logIntervalMs > 0) replayLine(own, line);
      return;
    }
    postLine(port, line);
  };
  const checks = new RemoteCheckRunner(port, heartbeat, watchdog.livenessFailAfterMs);
  const stallLog = new StallLog(heartbeat, own.withName('watchdog'), watchdog.logIntervalMs);
  let listener: ProbeListener | undefined;
  let stopRequested: number | undefined;

  const stop = async (graceMs: number): Promise<void> => {
    stallLog.stop();
    await listener?.stop(graceMs);
    checks.close();
    await getOutputControl(own).flush();
    post({ type: 'stopped' });
    port.close();
  };
  port.on('message', (message: MainMessage) => {
    if (message.type !== 'stop') return checks.settle(message);
    if (listener === undefined) stopRequested = message.graceMs;
    else void stop(message.graceMs);
  });

  try {
    listener = await startProbeListener(settings, checks, new RelayLogger(relay));
  } catch (err) {
    post({ type: 'listen-failed', message: err instanceof Error ? err.message : String(err) });
    port.close();
    return;
  }
  post({ type: 'listening', address: listener.address() });
  stallLog.start();
  if (stopRequested !== undefined) await stop(stopRequested);
}
