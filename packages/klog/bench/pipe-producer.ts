// Producer for the slow-pipe benchmark: writes N lines (msg + 4 fields, JSON) to fd 2, which the
// parent connected to a FIFO it reads slowly. Reports its own timing and the worst event-loop
// stall on stdout as one JSON line.
import pino from 'pino';
import { createLogger, getOutputControl } from '../src/index.ts';

const impl = process.argv[2] ?? 'klog';
const n = Number(process.argv[3] ?? '100000');
const BATCH = 1000;

let log: (i: number) => void;
let finish: () => Promise<number>;
if (impl === 'klog') {
  const l = createLogger({ format: 'json', caller: false });
  log = (i) => l.info('request handled', { method: 'GET', path: '/api/v1/pods', status: 200, i });
  finish = async () => {
    await getOutputControl(l).flush();
    return getOutputControl(l).droppedLines;
  };
} else {
  const dest = pino.destination({
    dest: 2,
    sync: impl === 'pino-sync',
    minLength: impl === 'pino-sync' ? 0 : 4096,
  });
  const p = pino(dest);
  log = (i) => p.info({ method: 'GET', path: '/api/v1/pods', status: 200, i }, 'request handled');
  finish = () =>
    new Promise((resolve) => {
      dest.flush(() => resolve(0));
    });
}

let maxStall = 0;
let last = performance.now();
const tick = setInterval(() => {
  const now = performance.now();
  maxStall = Math.max(maxStall, now - last - 1);
  last = now;
}, 1);

const start = performance.now();
let i = 0;
function batch(): void {
  const end = Math.min(i + BATCH, n);
  for (; i < end; i++) log(i);
  if (i < n) {
    setImmediate(batch);
    return;
  }
  void finish().then((dropped) => {
    clearInterval(tick);
    const elapsedMs = performance.now() - start;
    process.stdout.write(JSON.stringify({ elapsedMs, maxStallMs: maxStall, dropped }) + '\n');
  });
}
setImmediate(batch);
