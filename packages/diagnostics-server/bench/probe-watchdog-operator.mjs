// The operator of bench/probe-watchdog.ts, run from the built packages (JavaScript, as installed) in a
// fresh process per run: the probe listener off (`none`), on the main thread (`main`), or in the
// watchdog's worker (`watchdog`). Prints one JSON line of figures once started, then takes commands
// on stdin: `block <ms>` (prints `blocking`, busy-loops, prints `returned`) and `stop`.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@kubediag/klog';
import { createDiagnosticsServer } from '@kubediag/diagnostics-server';

const mode = process.argv[2];
const say = (line) => void writeSync(1, `${line}\n`);
const settled = async () => {
  await sleep(500);
  globalThis.gc();
  await sleep(500);
  globalThis.gc();
  return process.memoryUsage();
};

const before = await settled();
// How long start() held the main thread at most (the worker boots on its own thread): the longest
// gap between the turns of a 1 ms ticker, from just before start() to its end.
let longestGapMs = 0;
let lastTick = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  longestGapMs = Math.max(longestGapMs, now - lastTick);
  lastTick = now;
}, 1);
const t0 = performance.now();
const server = createDiagnosticsServer({
  bindAddress: '0',
  healthProbeBindAddress: mode === 'none' ? '0' : '127.0.0.1:0',
  healthProbeWatchdog: { enabled: mode === 'watchdog' },
  logger: createLogger(),
});
server.addReadyzCheck('informers', () => undefined);
await server.start();
const startMs = performance.now() - t0;
longestGapMs = Math.max(longestGapMs, performance.now() - lastTick);
clearInterval(ticker);
const after = await settled();
// CPU of the whole process (every thread) while idle: the heartbeat and the worker's timers.
const cpu0 = process.cpuUsage();
const idle0 = performance.now();
await sleep(5000);
const cpu = process.cpuUsage(cpu0);
const idleMs = performance.now() - idle0;
say(
  JSON.stringify({
    probes: server.healthProbeUrl ?? null,
    startMs,
    startLoopDelayMaxMs: longestGapMs,
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapAfter: after.heapUsed,
    cpuPerSecondUs: ((cpu.user + cpu.system) / idleMs) * 1000,
  }),
);

for await (const command of createInterface({ input: process.stdin })) {
  const [verb, arg] = command.split(' ');
  if (verb === 'block') {
    say('blocking');
    const until = performance.now() + Number(arg);
    while (performance.now() < until) {
      // the stall
    }
    say('returned');
  } else if (verb === 'stop') {
    await server.stop(1000);
    process.exit(0);
  }
}
