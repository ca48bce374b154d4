/**
 * The cost of the server's request path (bound, guards, target normalization, routing, the filter
 * hook) on a trivial handler, against its anchor in the same run: a bare `node:http` server calling
 * the same handler. Plain HTTP, so TLS does not drown the difference. The figure is the server
 * process's CPU time per request (user + system), which moves much less with the load of a shared
 * machine than throughput does; the load comes from autocannon in another process.
 * Run: node --conditions=@kubediag/source --import tsx bench/request-path.ts
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer, type Filter } from '../src/index.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const AUTOCANNON = fileURLToPath(new URL('../node_modules/.bin/autocannon', import.meta.url));

const ok: RequestListener = (_req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('ok\n');
};
// A filter that lets everything through: the hook's own cost, not an authorization's.
const passThrough: Filter = (_log, handler) => handler;

interface Subject {
  readonly name: string;
  readonly url: string;
  stop(): Promise<void>;
}

async function bare(): Promise<Subject> {
  const server: Server = createServer({ keepAliveTimeout: 90_000 }, ok);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: 'bare node:http server, same handler (anchor)',
    url: `http://127.0.0.1:${port}/ok`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function ours(): Promise<Subject> {
  const server = createDiagnosticsServer({
    bindAddress: '127.0.0.1:0',
    secureServing: false,
    logger: createDiscardLogger(),
    registry: new Registry(),
    filterProvider: () => passThrough,
    extraHandlers: { '/ok': ok },
  });
  await server.start();
  return {
    name: 'createDiagnosticsServer, extra handler behind a pass-through filter',
    url: `${server.url}/ok`,
    stop: () => server.stop(1000),
  };
}

/** CPU microseconds of this process per request while autocannon sends `REQUESTS` of them. */
function cpuPerRequest(url: string): Promise<number> {
  const before = process.cpuUsage();
  return new Promise((resolve, reject) => {
    execFile(AUTOCANNON, ['-c', '8', '-a', String(REQUESTS), '-j', url], (err, stdout) => {
      if (err) return reject(new Error(`autocannon failed: ${err.message}`));
      const used = process.cpuUsage(before);
      const result = JSON.parse(stdout) as { non2xx: number; errors: number };
      if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`failures: ${stdout}`));
      resolve((used.user + used.system) / REQUESTS);
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const subjects = [await bare(), await ours()];
const samples = subjects.map(() => [] as number[]);
for (const s of subjects) await cpuPerRequest(s.url); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved, so drift (GC, other load on the cores) hits every subject alike.
  for (const [i, s] of subjects.entries()) samples[i]!.push(await cpuPerRequest(s.url));
}
for (const s of subjects) await s.stop();

const anchor = median(samples[0]!);
const lines = [
  `### Request path, ${REQUESTS} requests × ${ROUNDS} rounds — Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`,
  '',
  '| server | median µs CPU / request | min | ratio |',
  '| --- | ---: | ---: | ---: |',
  ...subjects.map(
    (s, i) =>
      `| ${s.name} | ${median(samples[i]!).toFixed(1)} | ${Math.min(...samples[i]!).toFixed(1)} | ${(median(samples[i]!) / anchor).toFixed(2)}x |`,
  ),
  '',
];
process.stdout.write(lines.join('\n'));
