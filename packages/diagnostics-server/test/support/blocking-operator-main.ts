/**
 * An operator whose main thread blocks on demand, in a process of its own (the test's clients must
 * not share its event loop): the diagnostics port off, the probe listener on with the watchdog options
 * of argv[2] (JSON), a readyz check, klog lines on stderr in the format of argv[3] (`text` or `json`,
 * the watchdog's own lines too). Prints `probes <url>` once listening;
 * then reads commands on stdin, one a line:
 *   block <ms>   prints `blocking`, busy-loops the main thread for <ms>, prints `returned`
 *   stop         stops the server, prints `stopped` and exits
 */
import { createInterface } from 'node:readline';
import { writeSync } from 'node:fs';
import { createLogger } from '@kubediag/klog';
import { createDiagnosticsServer } from '../../src/index.ts';

const format = process.argv[3] === 'json' ? 'json' : 'text';
const server = createDiagnosticsServer({
  bindAddress: '0',
  healthProbeBindAddress: '127.0.0.1:0',
  healthProbeWatchdog: { ...(JSON.parse(process.argv[2] ?? '{}') as object), logFormat: format },
  logger: createLogger({ format }),
});
server.addReadyzCheck('informers', () => undefined);
await server.start();
// Synchronous writes: the test reads each one before the main thread blocks.
const say = (line: string): void => void writeSync(1, `${line}\n`);
say(`probes ${server.healthProbeUrl}`);

function busyLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // The stall: nothing else runs on this thread.
  }
}

for await (const command of createInterface({ input: process.stdin })) {
  const [verb, arg] = command.split(' ');
  if (verb === 'block') {
    say('blocking');
    busyLoop(Number(arg));
    say('returned');
  } else if (verb === 'stop') {
    await server.stop(1000);
    say('stopped');
    process.exit(0);
  }
}
