// The server of bench/flight-recorder.ts (a child process): a small JSON API next to the pprof handler,
// with control routes for the benchmark. Prints "LISTENING <port>" once ready.
//   /work              a list response built and serialised per request (what an operator's webhook or
//                      metrics endpoint does)
//   /__recorder?on=1   replaces the pprof handler by one with (on=1) or without (on=0) the flight recorder
//   /__stats           {"cpuMicros","rss","heapTotal","heapUsed","external","recorderBytes"}; ?gc=1
//                      collects garbage first (--expose-gc)
//   /__block?ms=N      blocks the event loop in blockTheLoop() for N ms (a stall); the time the loop
//                      returned and the time the stall's warning was logged are kept for /__stalls
import { createServer } from 'node:http';
import { createPprofHandler, type PprofHandler, type PprofLogger } from '@kubediag/pprof';

const items = Array.from({ length: 50 }, (_, i) => ({
  metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: 'demo', shard: String(i % 7) } },
  status: { phase: i % 11 === 0 ? 'Pending' : 'Running' },
}));
const stalls: { returnedAt: number; loggedAt?: number }[] = [];
const logger: PprofLogger = {
  error: (err, msg) => process.stderr.write(`E ${msg}: ${String(err)}\n`),
  warning: () => {
    const last = stalls.at(-1);
    if (last && last.loggedAt === undefined) last.loggedAt = performance.now();
  },
  V: () => ({ enabled: false, info: () => undefined }),
};
let pprof: PprofHandler = createPprofHandler({ logger, heap: { startOnCreate: false } });

function blockTheLoop(ms: number): number {
  const end = Date.now() + ms;
  let acc = 0;
  while (Date.now() < end) for (let i = 0; i < 100_000; i++) acc += Math.sqrt(i);
  return acc;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench.invalid');
  switch (url.pathname) {
    case '/work': {
      const body = JSON.stringify({ kind: 'PodList', items: items.map((p) => ({ ...p, seen: Date.now() })) });
      res.setHeader('content-type', 'application/json');
      res.end(body);
      return;
    }
    case '/__recorder': {
      const on = url.searchParams.get('on') === '1';
      void pprof.close().then(async () => {
        pprof = createPprofHandler({
          logger,
          heap: { startOnCreate: false },
          flightRecorder: { enabled: on },
        });
        await pprof.ready();
        res.end('ok');
      });
      return;
    }
    case '/__stats':
      if (url.searchParams.get('gc') === '1') for (let i = 0; i < 3; i++) globalThis.gc?.();
      res.end(
        JSON.stringify({
          cpuMicros: process.cpuUsage().user + process.cpuUsage().system,
          ...process.memoryUsage(),
          recorderBytes: pprof.flightRecorder?.bytes ?? 0,
        }),
      );
      return;
    case '/__block': {
      blockTheLoop(Number(url.searchParams.get('ms') ?? '1000'));
      stalls.push({ returnedAt: performance.now() });
      res.end('ok');
      return;
    }
    case '/__stalls':
      res.end(JSON.stringify(stalls));
      return;
    default:
      pprof(req, res);
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
});
