// A process with the flight recorder on (threshold 200 ms) for thread-scheduling.test.ts. It prints
// READY, then on each `block <ms>` line of stdin blocks its loop for that long (wall time) and, once
// the recorder has seen the stall, prints `STALL <record as JSON>` and `WARNING <key/values as JSON>`.
import { createInterface } from 'node:readline';
import { createPprofHandler } from '../../src/index.ts';
import { blockingFunction } from './blocking.ts';

const pprof = createPprofHandler({
  logger: {
    error: (err: unknown, msg: string) => console.error(`ERROR ${msg} ${String(err)}`),
    warning: (_msg: string, kv: Record<string, unknown>) => console.log(`WARNING ${JSON.stringify(kv)}`),
    V: () => ({ enabled: false, info: () => undefined }),
  },
  flightRecorder: {
    enabled: true,
    stalls: {
      thresholdMs: 200,
      onStall: (record) => console.log(`STALL ${JSON.stringify({ ...record, profile: undefined })}`),
    },
  },
});
await pprof.ready();
const block = blockingFunction('throttledBlock');
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ms] = line.split(' ');
  if (command === 'block') block(Number(ms));
});
console.log('READY');
