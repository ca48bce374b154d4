/**
 * What each filter costs on its hot path, in-process, without a server: a cache hit of kubediag's
 * withAuthenticationAndAuthorization (Node, dist/) and of controller-runtime's
 * WithAuthenticationAndAuthorization (Go, the peer's --filter-hits), each wrapping a no-op handler and
 * called with a fresh request that carries the token, against one envtest control plane in one run.
 *
 * bench/filter-cost.ts measures the same cost through a whole HTTPS server under load, as the
 * difference of two servers' CPU per request; that difference moves by ±6 µs from run to run, more than
 * either filter costs. Here nothing but the filter runs in the measured loop, so the two can be ordered.
 * Each side runs in fresh processes (the Go peer with GOMAXPROCS=1, as Node runs JavaScript on one
 * thread), alternating; each process warms up one unmeasured round, then prints its rounds. CPU time
 * of the whole process (GC threads included on both sides), and wall time.
 *
 * Run: pnpm --filter @kubediag/diagnostics bench:filter-hit
 * Env: BENCH_PROCESSES (per side, default 4), BENCH_HIT_ROUNDS (per process, default 5),
 * BENCH_HITS (calls per round, default 100 000).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startControlPlane } from '@kubediag/envtest';
import { buildPeers } from './build-peers.ts';
import { createBenchIdentities } from './identities.ts';
import { median } from './report.ts';

const exec = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const PROCESSES = Number(process.env['BENCH_PROCESSES'] ?? 4);
const ROUNDS = Number(process.env['BENCH_HIT_ROUNDS'] ?? 5);
const HITS = Number(process.env['BENCH_HITS'] ?? 100_000);

interface Round {
  readonly cpuNsPerHit: number;
  readonly wallNsPerHit: number;
}

interface Side {
  readonly name: string;
  readonly run: () => Promise<string>;
  readonly rounds: Round[];
  /** Each process's median CPU ns per hit, in the order they ran. */
  readonly perProcess: number[];
}

function parseRounds(name: string, stdout: string): Round[] {
  const rounds = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Round);
  if (rounds.length !== ROUNDS + 1)
    throw new Error(`${name}: ${rounds.length} rounds printed, expected ${ROUNDS + 1}\n${stdout}`);
  return rounds;
}

const loadAvg = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const us = (ns: number): string => (ns / 1000).toFixed(2);

function report(sides: readonly [Side, Side], startLoad: string): string {
  const [kd, cr] = sides;
  const cpu = (s: Side) => median(s.rounds.map((r) => r.cpuNsPerHit));
  const wall = (s: Side) => median(s.rounds.map((r) => r.wallNsPerHit));
  const range = (s: Side) =>
    `${us(Math.min(...s.rounds.map((r) => r.cpuNsPerHit)))}–${us(Math.max(...s.rounds.map((r) => r.cpuNsPerHit)))}`;
  // Process i of one side ran next to process i of the other: their ratio is a paired figure.
  const paired = kd.perProcess.map((k, i) => k / cr.perProcess[i]!);
  const cpu0 = os.cpus()[0]?.model ?? 'unknown';
  return [
    `### Filter cache hit in-process, ${new Date().toISOString().slice(0, 16)}Z`,
    '',
    `Node ${process.version} · ${os.cpus().length} cores (${cpu0}) · controller-runtime v0.23.3 (GOMAXPROCS=1) · ${PROCESSES} processes per side, alternating, ${ROUNDS} rounds × ${HITS} calls each · load average at start ${startLoad}, at the end ${loadAvg()}`,
    '',
    '| cache hit, no-op handler | CPU µs per call (median of rounds) | range | wall µs per call | kubediag / controller-runtime |',
    '|---|---:|---:|---:|---:|',
    `| ${kd.name} | **${us(cpu(kd))}** | ${range(kd)} | ${us(wall(kd))} | **${(cpu(kd) / cpu(cr)).toFixed(2)}x** (per process pair: ${paired.map((r) => r.toFixed(2)).join(', ')}) |`,
    `| ${cr.name} | **${us(cpu(cr))}** | ${range(cr)} | ${us(wall(cr))} | 1.00x |`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const startLoad = loadAvg();
  const crBin = await buildPeers();
  const tmp = await mkdtemp(join(os.tmpdir(), 'kubediag-filter-hit-'));
  const cp = await startControlPlane();
  try {
    const ids = await createBenchIdentities(cp, tmp);
    const [kdOperator, crOperator] = await Promise.all([
      ids.operator('kubediag-operator'),
      ids.operator('controller-runtime-operator'),
    ]);
    const tokenFile = join(tmp, 'scraper.token');
    await writeFile(tokenFile, await ids.scraperToken('hit-scraper'), { mode: 0o600 });
    const counts = { BENCH_HITS: String(HITS), BENCH_HIT_ROUNDS: String(ROUNDS + 1) };
    const sides: [Side, Side] = [
      {
        name: 'kubediag',
        rounds: [],
        perProcess: [],
        run: async () =>
          (
            await exec(process.execPath, [join(here, 'filter-hit-peer.mjs'), tokenFile], {
              env: { ...process.env, ...counts, KUBECONFIG: kdOperator.kubeconfigPath },
            })
          ).stdout,
      },
      {
        name: 'controller-runtime',
        rounds: [],
        perProcess: [],
        run: async () =>
          (
            await exec(
              crBin,
              [
                '--kubeconfig',
                crOperator.kubeconfigPath,
                '--token-file',
                tokenFile,
                '--filter-hits',
                String(HITS),
                '--filter-hit-rounds',
                String(ROUNDS + 1),
              ],
              { env: { ...process.env, GOMAXPROCS: '1' } },
            )
          ).stdout,
      },
    ];
    for (let p = 0; p < PROCESSES; p++) {
      for (const side of p % 2 === 0 ? sides : [...sides].reverse()) {
        // The first round of each process is its warm-up, left out.
        const [, ...rounds] = parseRounds(side.name, await side.run());
        side.rounds.push(...rounds);
        side.perProcess.push(median(rounds.map((r) => r.cpuNsPerHit)));
      }
    }
    process.stdout.write(`${report(sides, startLoad)}\n`);
  } finally {
    await cp.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
