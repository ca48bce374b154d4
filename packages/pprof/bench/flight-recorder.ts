// Benchmarks of the flight recorder. Run: pnpm --filter @kubediag/pprof bench:flight-recorder
// (BENCH_NODE=/path/to/node runs the server on another Node; BENCH_ROUNDS, BENCH_ROUND_S, BENCH_RSS_S).
//
// A server (bench/flight-recorder-server.ts, a child process) answers a small JSON API under a closed-loop
// load of 10 keep-alive connections from this process. In one run:
// - throughput with the recorder on and off, alternating rounds (off-on, on-off, ...), as requests per
//   second and per CPU-second of the server (the second removes the share of a machine shared with other
//   jobs); ratio = median over pairs of on / off;
// - RSS cost, in one server (two processes differ by several MiB): the recorder's window plus 10 s of
//   load with the recorder off, then as long with it on; RSS and V8 heap after a full GC at the end of
//   each phase, and the ring's bytes; twice, in two fresh servers;
// - stall-to-log latency: 1 s stalls; time from the loop's return to the stall's warning line, both read
//   in the server on its monotonic clock.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { resolvePprofOptions } from '@kubediag/pprof';

const here = dirname(fileURLToPath(import.meta.url));
const NODE = process.env['BENCH_NODE'] ?? process.execPath;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 8);
const PARTS = new Set((process.env['BENCH_PARTS'] ?? 'throughput,rss,stall').split(','));
const ROUND_MS = Number(process.env['BENCH_ROUND_S'] ?? 4) * 1000;
const RSS_MS = Number(process.env['BENCH_RSS_S'] ?? 70) * 1000;
const CONNECTIONS = 10;
const DEFAULTS = resolvePprofOptions().flightRecorder;

async function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(
    NODE,
    [
      '--expose-gc',
      '--conditions=@kubediag/source',
      '--import',
      'tsx',
      join(here, 'flight-recorder-server.ts'),
    ],
    { cwd: dirname(here), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      const m = /^LISTENING (\d+)$/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Requests completed in `ms` by CONNECTIONS closed loops. */
async function load(base: string, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        await fetchText(`${base}/work`);
        done++;
      }
    }),
  );
  return done;
}

interface Stats {
  readonly cpuMicros: number;
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly recorderBytes: number;
}
const stats = async (base: string, gc = false): Promise<Stats> =>
  JSON.parse(await fetchText(`${base}/__stats${gc ? '?gc=1' : ''}`)) as Stats;
const setRecorder = (base: string, on: boolean) => fetchText(`${base}/__recorder?on=${on ? 1 : 0}`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function round(base: string, on: boolean): Promise<{ rps: number; perCpuS: number }> {
  await setRecorder(base, on);
  const before = await stats(base);
  const t0 = performance.now();
  const n = await load(base, ROUND_MS);
  const seconds = (performance.now() - t0) / 1000;
  const after = await stats(base);
  return { rps: n / seconds, perCpuS: (n * 1e6) / Math.max(1, after.cpuMicros - before.cpuMicros) };
}

async function throughput(): Promise<string[]> {
  const { child, base } = await startServer();
  try {
    process.stderr.write('throughput: warm-up...\n');
    await round(base, false);
    await round(base, true);
    const rps: number[] = [];
    const perCpu: number[] = [];
    const pairs: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [false, true] : [true, false];
      const r: Record<string, { rps: number; perCpuS: number }> = {};
      for (const on of order) r[on ? 'on' : 'off'] = await round(base, on);
      rps.push(r['on']!.rps / r['off']!.rps);
      perCpu.push(r['on']!.perCpuS / r['off']!.perCpuS);
      pairs.push(`${rps.at(-1)!.toFixed(3)}/${perCpu.at(-1)!.toFixed(3)}`);
      process.stderr.write(`throughput pair ${i + 1}/${ROUNDS}: ${pairs.at(-1)}\n`);
    }
    return [
      `| throughput, recorder on / off (requests per second) | ${median(rps).toFixed(3)}x |`,
      `| throughput, recorder on / off (requests per CPU-second of the server) | ${median(perCpu).toFixed(3)}x |`,
      `| pairs (per second / per CPU-second) | ${pairs.join(', ')} |`,
    ];
  } finally {
    child.kill();
  }
}

async function rssCost(): Promise<{ off: Stats; on: Stats }> {
  const { child, base } = await startServer();
  try {
    await setRecorder(base, false);
    await load(base, RSS_MS);
    const off = await stats(base, true);
    await setRecorder(base, true);
    await load(base, RSS_MS);
    const on = await stats(base, true);
    return { off, on };
  } finally {
    child.kill();
  }
}

async function stallToLog(): Promise<string[]> {
  const { child, base } = await startServer();
  try {
    await setRecorder(base, true);
    for (let i = 0; i < 5; i++) {
      await sleep(1500);
      await fetchText(`${base}/__block?ms=1000`);
    }
    await sleep(1500);
    const stalls = JSON.parse(await fetchText(`${base}/__stalls`)) as {
      returnedAt: number;
      loggedAt?: number;
    }[];
    const latencies = stalls.filter((s) => s.loggedAt !== undefined).map((s) => s.loggedAt! - s.returnedAt);
    return [
      `| stall-to-log latency (1 s stalls, loop return to warning line), median / max | ${median(latencies).toFixed(0)} ms / ${Math.max(...latencies).toFixed(0)} ms (${latencies.length} of ${stalls.length} stalls logged) |`,
    ];
  } finally {
    child.kill();
  }
}

const loadBefore = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const rows = ['| measure | result |', '| --- | --- |'];
if (PARTS.has('throughput')) rows.push(...(await throughput()));
const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
const costs: { off: Stats; on: Stats }[] = [];
for (let i = 0; i < (PARTS.has('rss') ? 2 : 0); i++) {
  process.stderr.write(`rss: ${RSS_MS / 1000} s off, then as long on (server ${i + 1} of 2)...\n`);
  costs.push(await rssCost());
}
if (costs.length > 0)
  rows.push(
    `| RSS after a full GC, ${RSS_MS / 1000} s of load with the recorder off → ${RSS_MS / 1000} s more with it on, two servers | ${costs.map((c) => `${mib(c.off.rss)} → ${mib(c.on.rss)} MiB (+${mib(c.on.rss - c.off.rss)})`).join('; ')} |`,
    `| of which V8 heap committed (heapTotal) / used (heapUsed) / external | ${costs.map((c) => `+${mib(c.on.heapTotal - c.off.heapTotal)} / +${mib(c.on.heapUsed - c.off.heapUsed)} / +${mib(c.on.external - c.off.external)} MiB`).join('; ')} |`,
    `| bytes held by the recorder's ring at the end | ${costs.map((c) => (c.on.recorderBytes / 1024).toFixed(0)).join(', ')} KiB |`,
  );
if (PARTS.has('stall')) {
  process.stderr.write('stall-to-log latency...\n');
  rows.push(...(await stallToLog()));
}
agent.destroy();
const version = await new Promise<string>((resolve) => {
  let out = '';
  spawn(NODE, ['--version'])
    .stdout.on('data', (c: Buffer) => (out += c.toString()))
    .on('end', () => resolve(out.trim()));
});
process.stdout.write(
  [
    `Date: ${new Date().toISOString().slice(0, 10)}; server on Node ${version}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), shared with other jobs; load average ${loadBefore} before, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} after.`,
    `Recorder defaults (${DEFAULTS.samplingIntervalMicros / 1000} ms samples, ${DEFAULTS.windowMs / 1000} s window in ${DEFAULTS.chunkMs / 1000} s chunks, ${DEFAULTS.maxBytes / 1024} KiB); ${ROUNDS} pairs of ${ROUND_MS / 1000} s rounds, ${CONNECTIONS} keep-alive connections.`,
    '',
    ...rows,
    '',
  ].join('\n'),
);
