// Child process of slow-stdout.test.ts: an operator (withDiagnostics, its klog logger on stdout)
// that logs numbered lines at a steady rate while its parent reads stdout slowly and then not at all.
// It measures its own event-loop delay and reports over IPC once every line has been written.
//
// argv: <mode> <linesPerSecond> <durationMs> <maxBufferedBytes>
//   mode 'non-blocking': output process.stdout, as an operator in a container does.
//   mode 'blocking': the same pipe reopened through /proc/self/fd/1, a descriptor without O_NONBLOCK,
//     so every write that finds the pipe full blocks the thread: the defect the test must tell apart.
import { openSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createFileOutput, getOutputControl } from '@kubediag/klog';
import { Registry } from 'prom-client';
import { withDiagnostics } from '@kubediag/diagnostics';

const [mode = 'non-blocking', rateArg = '1000', durationArg = '10000', maxBufferedArg = '8388608'] =
  process.argv.slice(2);
const linesPerSecond = Number(rateArg);
const durationMs = Number(durationArg);

const output = mode === 'blocking' ? createFileOutput(openSync('/proc/self/fd/1', 'w')) : process.stdout;
const diag = await withDiagnostics({
  name: 'log-writer-operator',
  // The port plays no part here; only the logger does.
  server: { bindAddress: '0' },
  logging: { output, maxBufferedBytes: Number(maxBufferedArg) },
  metrics: { registry: new Registry(), defaultMetrics: false },
});
const log = diag.logger.withName('writer');
const out = getOutputControl(log);

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
// A second, independent measure: the longest gap between ticks of a 10 ms timer.
let lastTick = performance.now();
let maxTickGapMs = 0;
let peakBufferedBytes = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  maxTickGapMs = Math.max(maxTickGapMs, now - lastTick);
  lastTick = now;
  peakBufferedBytes = Math.max(peakBufferedBytes, out.bufferedBytes);
}, 10);

// ~200-byte klog text lines, written in a burst every 10 ms.
const pad = 'x'.repeat(100);
const perTick = Math.max(1, Math.round(linesPerSecond / 100));
const total = Math.round((linesPerSecond * durationMs) / 1000);
let seq = 0;
await new Promise<void>((resolve) => {
  const writer = setInterval(() => {
    for (let i = 0; i < perTick && seq < total; i++) log.info('tick', { seq: seq++, pad });
    if (seq >= total) {
      clearInterval(writer);
      resolve();
    }
  }, 10);
});
await out.flush();
clearInterval(ticker);
delay.disable();

process.send!(
  {
    mode,
    written: seq,
    droppedLines: out.droppedLines,
    peakBufferedBytes,
    maxDelayMs: delay.max / 1e6,
    p99DelayMs: delay.percentile(99) / 1e6,
    meanDelayMs: delay.mean / 1e6,
    maxTickGapMs,
  },
  () => process.disconnect(),
);
