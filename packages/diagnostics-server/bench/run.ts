/**
 * Benchmarks of the diagnostics server, each against its anchor in the same run:
 *   1. `/metrics` with ~10k series: server time (request to last byte handed to the socket) against
 *      `registry.metrics()` alone, and the event-loop delay during scrapes.
 *   2. `start()` (self-signed certificate + listen) to the first served HTTPS response, against a bare
 *      `https.createServer` with a ready-made certificate.
 * Prints a Markdown table. Run: pnpm --filter @kubediag/diagnostics-server bench
 */
import { request, createServer as createHttpsServer, Agent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Gauge, Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer, type Filter } from '../src/index.ts';
import { generateSelfSignedCertificate } from '../src/self-signed.ts';

const SERIES_PER_METRIC = 1000;
const METRICS = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const STARTS = Number(process.env.BENCH_STARTS ?? 25);
const COLD = Number(process.env.BENCH_COLD ?? 5);

/**
 * Event-loop delay sampler: a 1 ms interval records how late each tick fires. Unlike
 * monitorEventLoopDelay toggled around an await, it also catches the block that ends just before the
 * awaited promise resolves (the late tick is read after a short settle).
 */
class LoopDelay {
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  readonly samples: number[] = [];
  start(): void {
    this.#last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.samples.push(Math.max(0, now - this.#last - 1));
      this.#last = now;
    }, 1);
  }
  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 3));
    clearInterval(this.#timer);
  }
  max(): number {
    return Math.max(0, ...this.samples);
  }
}

/** Asks the scrape worker for one request and resolves with its result. */
function workerGet(
  w: Worker,
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; bytes: number; ms: number }> {
  return new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage({ url, path, headers });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? NaN;
}
const ms = (n: number): string => n.toFixed(2);

function get(
  url: string,
  path: string,
  agent: Agent,
  headers: Record<string, string> = {},
): Promise<{ status: number; bytes: number }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path, agent, rejectUnauthorized: false, headers },
      (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

async function metricsBench(): Promise<string[]> {
  const registry = new Registry();
  for (let m = 0; m < METRICS; m++) {
    const g = new Gauge({
      name: `bench_metric_${m}`,
      help: `Bench metric ${m}.`,
      labelNames: ['pod', 'phase'],
      registers: [registry],
    });
    for (let i = 0; i < SERIES_PER_METRIC; i++)
      g.set({ pod: `pod-${i}`, phase: i % 2 ? 'running' : 'pending' }, i * 1.5);
  }
  const serverTimes: number[] = [];
  const endTimes: number[] = [];
  // A pass-through filter that records two server times per request: handler call → `res.end()`
  // returned (the event-loop work: render, encode, TLS-encrypt the body), and handler call → 'finish'
  // (the last byte accepted by the kernel, which also waits for the client to read).
  const timing: Filter = (_log, handler) => (req, res) => {
    const t0 = performance.now();
    const end = res.end.bind(res) as (...a: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      const r = end(...args);
      endTimes.push(performance.now() - t0);
      return r;
    }) as typeof res.end;
    res.once('finish', () => serverTimes.push(performance.now() - t0));
    return handler(req, res);
  };
  // The same registry, timed where the server calls it: separates "the render got slower inside a
  // request" (GC pressure, CPU contention with the client thread) from "the server added work".
  const inner: number[] = [];
  const timedRegistry = {
    contentType: registry.contentType,
    metrics: async (): Promise<string> => {
      const t = performance.now();
      const out = await registry.metrics();
      inner.push(performance.now() - t);
      return out;
    },
  };
  const server = createDiagnosticsServer({
    bindAddress: '127.0.0.1:0',
    logger: createDiscardLogger(),
    registry: timedRegistry,
    filterProvider: () => timing,
    pprofHandler: null,
    gzipMinBytes: 1024,
  });
  await server.start();
  const worker = new Worker(fileURLToPath(new URL('./scrape-worker.mjs', import.meta.url)));
  const url = server.url!;
  const body = await registry.metrics();
  const bodyBytes = Buffer.byteLength(body);

  // Warm-up.
  for (let i = 0; i < 10; i++) {
    await registry.metrics();
    await workerGet(worker, url, '/metrics');
  }
  serverTimes.length = 0;
  endTimes.length = 0;
  inner.length = 0;

  const alone: number[] = [];
  const clientPlain: number[] = [];
  const eldAlone = new LoopDelay();
  const eldScrape = new LoopDelay();
  const plainServer: number[] = [];
  const plainEnd: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Interleaved, so drift (GC, other load on the 2 cores) hits both sides alike.
    eldAlone.start();
    const t0 = performance.now();
    await registry.metrics();
    alone.push(performance.now() - t0);
    await eldAlone.stop();

    eldScrape.start();
    const r = await workerGet(worker, url, '/metrics');
    await eldScrape.stop();
    clientPlain.push(r.ms);
    if (r.status !== 200) throw new Error(`scrape failed: ${r.status}`);
    plainServer.push(serverTimes.pop() ?? NaN);
    plainEnd.push(endTimes.pop() ?? NaN);
  }
  const innerPlain = inner.splice(0);
  // Per request, server time minus the render inside it: the server's own work, free of the drift
  // between two separately timed operations on a shared machine.
  const paired = plainEnd.map((t, i) => t - (innerPlain[i] ?? NaN));
  const gzipServer: number[] = [];
  const eldGzip = new LoopDelay();
  let gzBytes = 0;
  for (let i = 0; i < Math.max(10, ROUNDS / 3); i++) {
    eldGzip.start();
    const r = await workerGet(worker, url, '/metrics', { 'Accept-Encoding': 'gzip' });
    await eldGzip.stop();
    gzBytes = r.bytes;
    gzipServer.push(endTimes.pop() ?? NaN);
    serverTimes.pop();
  }
  // The server's own cost, isolated from prom-client: the same body from a registry that returns it
  // pre-rendered, through the same server, filter and TLS. On a noisy shared machine this is the
  // steadier way to read the ratio: (metrics() + own cost) / metrics().
  const stubServer = createDiagnosticsServer({
    bindAddress: '127.0.0.1:0',
    logger: createDiscardLogger(),
    registry: { contentType: registry.contentType, metrics: () => Promise.resolve(body) },
    filterProvider: () => timing,
    pprofHandler: null,
  });
  await stubServer.start();
  const own: number[] = [];
  for (let i = 0; i < ROUNDS + 10; i++) {
    await workerGet(worker, stubServer.url!, '/metrics');
    serverTimes.pop();
    const t = endTimes.pop() ?? NaN;
    if (i >= 10) own.push(t);
  }
  await stubServer.stop(1000);
  await worker.terminate();
  await server.stop(1000);

  const a = median(alone);
  const am = Math.min(...alone);
  const row = (label: string, xs: number[]): string =>
    `| ${label} | ${ms(median(xs))} | ${ms(p95(xs))} | ${ms(Math.min(...xs))} | ${(median(xs) / a).toFixed(3)}x | ${(Math.min(...xs) / am).toFixed(3)}x |`;
  const q = (d: LoopDelay, f: (xs: number[]) => number): string => ms(f(d.samples));
  return [
    `### /metrics, ${METRICS * SERIES_PER_METRIC} series (${(bodyBytes / 1024).toFixed(0)} KiB text, ${(gzBytes / 1024).toFixed(0)} KiB gzip), ${ROUNDS} interleaved rounds`,
    '',
    '| measurement | median ms | p95 ms | min ms | median ratio | min ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| registry.metrics() alone (anchor) | ${ms(a)} | ${ms(p95(alone))} | ${ms(am)} | 1.00x | 1.00x |`,
    row('registry.metrics() as called inside those requests', innerPlain),
    row('server time to res.end() returned (render + encode + TLS encrypt)', plainEnd),
    row("server time to 'finish' (last byte accepted by the kernel)", plainServer),
    row('client round trip (worker-thread client, keep-alive, TLS)', clientPlain),
    row('server time to res.end(), Accept-Encoding: gzip (zlib on the libuv pool)', gzipServer),
    row('server own cost: the same body pre-rendered, through server + filter + TLS', own),
    row('paired: server time − its own render time, same request', paired),
    `| derived, paired: (metrics() + paired overhead) / metrics() | ${ms(a + median(paired))} | | | ${((a + median(paired)) / a).toFixed(3)}x | |`,
    `| derived: (metrics() + own cost) / metrics() | ${ms(a + median(own))} | | ${ms(am + Math.min(...own))} | ${((a + median(own)) / a).toFixed(3)}x | ${((am + Math.min(...own)) / am).toFixed(3)}x |`,
    '',
    '| event-loop delay (1 ms interval sampler; lateness of each tick) | median ms | p95 ms | max ms | max ratio |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| during registry.metrics() alone (anchor) | ${q(eldAlone, median)} | ${q(eldAlone, p95)} | ${ms(eldAlone.max())} | 1.00x |`,
    `| during a scrape through the server | ${q(eldScrape, median)} | ${q(eldScrape, p95)} | ${ms(eldScrape.max())} | ${(eldScrape.max() / eldAlone.max()).toFixed(2)}x |`,
    `| during a gzip scrape through the server | ${q(eldGzip, median)} | ${q(eldGzip, p95)} | ${ms(eldGzip.max())} | ${(eldGzip.max() / eldAlone.max()).toFixed(2)}x |`,
    '',
  ];
}

async function firstRequest(url: string): Promise<void> {
  const agent = new Agent({ keepAlive: false });
  const r = await get(url, '/healthz', agent);
  agent.destroy();
  if (r.status !== 200) throw new Error(`first request failed: ${r.status}`);
}

async function startupBench(): Promise<string[]> {
  const ours: number[] = [];
  const oursWithPprof: number[] = [];
  const bare: number[] = [];
  const gen: number[] = [];
  const pem = generateSelfSignedCertificate();
  let cold = NaN;
  for (let i = 0; i < STARTS; i++) {
    {
      const t0 = performance.now();
      const server = createDiagnosticsServer({
        bindAddress: '127.0.0.1:0',
        logger: createDiscardLogger(),
        registry: new Registry(),
        filterProvider: null,
        pprofHandler: null,
      });
      await server.start();
      await firstRequest(server.url!);
      const dt = performance.now() - t0;
      if (i === 0) cold = dt;
      else ours.push(dt);
      await server.stop(100);
    }
    {
      const t0 = performance.now();
      const server = createDiagnosticsServer({
        bindAddress: '127.0.0.1:0',
        logger: createDiscardLogger(),
        registry: new Registry(),
        filterProvider: null,
      });
      await server.start();
      await firstRequest(server.url!);
      if (i > 0) oursWithPprof.push(performance.now() - t0);
      await server.stop(100);
    }
    {
      const t0 = performance.now();
      generateSelfSignedCertificate();
      gen.push(performance.now() - t0);
    }
    {
      // Anchor: Node's own cost for an HTTPS listener with a ready certificate and one request.
      const t0 = performance.now();
      const srv = createHttpsServer({ cert: pem.certPem, key: pem.keyPem }, (_req, res) => res.end('ok'));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') throw new Error('no address');
      await firstRequest(`https://127.0.0.1:${addr.port}`);
      bare.push(performance.now() - t0);
      await new Promise<void>((r) => srv.close(() => r()));
    }
  }
  const coldOf = (mode: string): number[] => {
    const out: number[] = [];
    for (let i = 0; i < COLD; i++) {
      const stdout = execFileSync(
        process.execPath,
        [
          '--conditions=@kubediag/source',
          '--import',
          'tsx',
          fileURLToPath(new URL('./cold-start.ts', import.meta.url)),
          mode,
        ],
        { encoding: 'utf8' },
      );
      out.push(Number(stdout.trim()));
    }
    return out;
  };
  const coldBare = coldOf('bare');
  const coldOurs = coldOf('ours');
  const b = median(bare);
  const cb = median(coldBare);
  return [
    `### start() to the first served HTTPS request, generated certificate (${STARTS - 1} warm runs)`,
    '',
    '| measurement | median ms | p95 ms | ratio vs bare https |',
    '| --- | ---: | ---: | ---: |',
    `| bare https.createServer + listen + first request, certificate ready (anchor) | ${ms(b)} | ${ms(p95(bare))} | 1.00x |`,
    `| createDiagnosticsServer + start() + first request (ECDSA P-256 CA + leaf generated) | ${ms(median(ours))} | ${ms(p95(ours))} | ${(median(ours) / b).toFixed(2)}x |`,
    `| same, with the default @kubediag/pprof handler (module already loaded) | ${ms(median(oursWithPprof))} | ${ms(p95(oursWithPprof))} | ${(median(oursWithPprof) / b).toFixed(2)}x |`,
    `| first start in this process (after the module imports) | ${ms(cold)} | | ${(cold / b).toFixed(2)}x |`,
    `| generateSelfSignedCertificate() alone | ${ms(median(gen))} | ${ms(p95(gen))} | |`,
    '',
    `Cold, fresh process each run (${COLD} runs; modules imported before the clock starts):`,
    '',
    '| measurement | median ms | p95 ms | ratio vs bare https |',
    '| --- | ---: | ---: | ---: |',
    `| bare https.createServer + listen + first request (anchor) | ${ms(cb)} | ${ms(p95(coldBare))} | 1.00x |`,
    `| createDiagnosticsServer + start() + first request | ${ms(median(coldOurs))} | ${ms(p95(coldOurs))} | ${(median(coldOurs) / cb).toFixed(2)}x |`,
    '',
  ];
}

const lines = [
  `## @kubediag/diagnostics-server benchmarks — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`,
  '',
  `Load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} (the machine is shared; medians move with it, minimums much less).`,
  '',
  ...(await startupBench()),
  ...(await metricsBench()),
];
process.stdout.write(lines.join('\n') + '\n');
