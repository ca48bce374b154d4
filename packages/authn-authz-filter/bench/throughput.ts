/*
 * Warm-cache throughput of a server with the filter against the same server without it, in several
 * scenarios, measured by autocannon in a separate process in paired ABBA rounds.
 *
 * Why several: on a small machine the load generator and the server share the cores, and on loopback
 * the server's write syscall also runs the client's receive path and wake-up. A server made slower by
 * any amount of work leaves the client idle more often, so every response pays a costlier wake-up:
 * the ratio for a trivial handler overstates the work added. The calibration scenario measures that
 * effect directly: the same trivial server, with a busy-wait as long as the filter's own measured
 * cost in place of the filter.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Counter, Gauge, Registry } from 'prom-client';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const autocannonBin = join(here, '..', 'node_modules', '.bin', 'autocannon');

export const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 6);
export const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
export const CONNECTIONS = 32;

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface Scenario {
  readonly name: string;
  readonly transport: 'http' | 'https';
  readonly handler: 'ok' | 'metrics';
  /** Replace the filter by a busy-wait of the filter's measured cost (calibration). */
  readonly spin?: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'trivial handler ("ok\\n"), plain HTTP — worst case', transport: 'http', handler: 'ok' },
  {
    name: 'calibration: trivial handler, plain HTTP, busy-wait of the filter’s cost instead of the filter',
    transport: 'http',
    handler: 'ok',
    spin: true,
  },
  { name: 'trivial handler, HTTPS (the secure mode’s transport)', transport: 'https', handler: 'ok' },
  {
    name: 'small /metrics handler (60 series, prom-client), HTTPS — what the port serves',
    transport: 'https',
    handler: 'metrics',
  },
];

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly base: number[];
  readonly filtered: number[];
  readonly pairRatios: number[];
  readonly cpuBase: number[];
  readonly cpuFiltered: number[];
  readonly p99Base: number[];
  readonly p99Filtered: number[];
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ok: Listener = (_req, res) => {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('ok\n');
};

/** A registry the size of a small operator's: 60 series, no collect callbacks. */
function smallMetricsHandler(): Listener {
  const registry = new Registry();
  for (let i = 0; i < 10; i++) {
    const c = new Counter({
      name: `bench_ops_${i}_total`,
      help: 'ops',
      labelNames: ['kind'],
      registers: [registry],
    });
    for (const kind of ['a', 'b', 'c', 'd', 'e']) c.labels(kind).inc(i);
    new Gauge({ name: `bench_level_${i}`, help: 'level', registers: [registry] }).set(i);
  }
  return async (_req, res) => {
    const text = await registry.metrics();
    res.setHeader('Content-Type', registry.contentType);
    res.end(text);
  };
}

function spinning(us: number, handler: Listener): Listener {
  const ns = BigInt(Math.round(us * 1000));
  return (req, res) => {
    const until = process.hrtime.bigint() + ns;
    while (process.hrtime.bigint() < until);
    return handler(req, res);
  };
}

async function listen(
  listener: Listener,
  transport: 'http' | 'https',
  tls: { certPem: string; keyPem: string },
) {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => void listener(req, res);
  const server =
    transport === 'https'
      ? https.createServer({ cert: tls.certPem, key: tls.keyPem }, onRequest)
      : http.createServer(onRequest);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${transport}://127.0.0.1:${port}/metrics`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/**
 * One autocannon run (a separate process) against a server in this process. Besides requests/s it
 * returns this process's CPU time per request served: on a shared, loaded machine wall-clock
 * throughput swings with the neighbours, CPU per request much less.
 */
async function autocannon(url: string, headers: Record<string, string>) {
  const args = ['-j', '-c', String(CONNECTIONS), '-d', String(SECONDS)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const cpu0 = process.cpuUsage();
  // The bench server's certificate is not for 127.0.0.1 and not from a trusted CA.
  const env = { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' };
  const { stdout } = await run(autocannonBin, args, { maxBuffer: 16 << 20, env });
  const cpu = process.cpuUsage(cpu0);
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    failed: r.non2xx + r.errors,
    cpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, r.requests.total),
  };
}

export async function measureScenario(
  scenario: Scenario,
  deps: {
    auth: Record<string, string>;
    tls: { certPem: string; keyPem: string };
    filter: (handler: Listener) => Listener;
    filterCostUs: number;
  },
): Promise<ScenarioResult> {
  const handler = scenario.handler === 'ok' ? ok : smallMetricsHandler();
  const wrapped = scenario.spin === true ? spinning(deps.filterCostUs, handler) : deps.filter(handler);
  const plain = await listen(handler, scenario.transport, deps.tls);
  const filtered = await listen(wrapped, scenario.transport, deps.tls);
  const result: ScenarioResult = {
    scenario,
    base: [],
    filtered: [],
    pairRatios: [],
    cpuBase: [],
    cpuFiltered: [],
    p99Base: [],
    p99Filtered: [],
  };
  try {
    // Warm both (JIT, TLS session setup, caches) before the first measured pair.
    await autocannon(plain.url, deps.auth);
    const warm = await autocannon(filtered.url, deps.auth);
    if (warm.failed > 0) throw new Error(`${scenario.name}: ${warm.failed} failed requests during warm-up`);
    // Paired rounds in ABBA order, so drift in the machine's load hits both sides alike; the ratio
    // reported is the median of the per-pair ratios.
    for (let i = 0; i < ROUNDS; i++) {
      const baseFirst = i % 2 === 0;
      const first = await autocannon(baseFirst ? plain.url : filtered.url, deps.auth);
      const second = await autocannon(baseFirst ? filtered.url : plain.url, deps.auth);
      const [a, b] = baseFirst ? [first, second] : [second, first];
      if (b.failed > 0) throw new Error(`${scenario.name}: ${b.failed} failed requests behind the filter`);
      result.base.push(a.rps);
      result.filtered.push(b.rps);
      result.pairRatios.push(b.rps / a.rps);
      result.cpuBase.push(a.cpuUsPerReq);
      result.cpuFiltered.push(b.cpuUsPerReq);
      result.p99Base.push(a.p99);
      result.p99Filtered.push(b.p99);
    }
  } finally {
    await plain.close();
    await filtered.close();
  }
  return result;
}

/** Markdown rows, one per scenario. */
export function scenarioRows(results: readonly ScenarioResult[]): string[] {
  return [
    `| Scenario (median of ${ROUNDS} paired ABBA rounds × ${SECONDS} s, ${CONNECTIONS} connections) | req/s without | req/s with | **ratio** (median pair) | server CPU µs/req without → with | p99 ms without → with |`,
    `|---|---|---|---|---|---|`,
    ...results.map(
      (r) =>
        `| ${r.scenario.name} | ${median(r.base).toFixed(0)} | ${median(r.filtered).toFixed(0)} | **${median(r.pairRatios).toFixed(3)}x** | ${median(r.cpuBase).toFixed(1)} → ${median(r.cpuFiltered).toFixed(1)} | ${median(r.p99Base)} → ${median(r.p99Filtered)} |`,
    ),
  ];
}

/** The raw rounds, for the record. */
export function scenarioRounds(results: readonly ScenarioResult[]): string[] {
  return results.map(
    (r) =>
      `- ${r.scenario.name}: without ${r.base.map((x) => x.toFixed(0)).join(', ')}; with ${r.filtered.map((x) => x.toFixed(0)).join(', ')}; pair ratios ${r.pairRatios.map((x) => x.toFixed(2)).join(', ')}`,
  );
}
