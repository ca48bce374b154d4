/**
 * What each filter costs the smallest handler there is: kubediag's and controller-runtime's
 * WithAuthenticationAndAuthorization, each against the same server with its filter off, in one run
 * against one envtest control plane. Both serve `/ok` ("ok\n") behind their filter, so the filter's
 * share of a request is as large as it gets: the worst case of the "≥ 0.9x without the filter" target.
 *
 * Four processes: kubediag (withDiagnostics from dist/) with and without its filter, the Go peer with
 * and without. The Go peer runs with GOMAXPROCS=1, as a Node server runs its JavaScript on one thread;
 * autocannon runs in its own process. Warm caches; each implementation's pair is measured back to
 * back in alternating order, and the two implementations alternate too.
 *
 * Run: pnpm --filter @kubediag/diagnostics bench:filter-cost   (BENCH_ROUNDS, default 6; BENCH_SECONDS, default 5)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '@kubediag/envtest';
import { buildPeers } from './build-peers.ts';
import { createBenchIdentities } from './identities.ts';
import { loadScrapes, type LoadResult } from './load.ts';
import { startPeer, type PeerProcess } from './peer-process.ts';
import { median } from './report.ts';
import { scrape, scrapeAgent } from './scrape.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 6);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONNECTIONS = 32;
const PATH = '/ok';

interface Pair {
  readonly name: string;
  readonly filtered: PeerProcess;
  readonly unfiltered: PeerProcess;
  readonly with: LoadResult[];
  readonly without: LoadResult[];
}

/** The filtered server must refuse a request without a token and pass one with it; the other both. */
async function check(pair: Pair, token: string): Promise<void> {
  const agent = scrapeAgent(1);
  const expect = async (peer: PeerProcess, withToken: boolean, status: number): Promise<void> => {
    const r = await scrape(peer.url, withToken ? token : undefined, agent, 10_000, PATH);
    if (r.status !== status)
      throw new Error(
        `${peer.name}: ${PATH} ${withToken ? 'with' : 'without'} a token answered ${r.status}, expected ${status}\n${peer.stderrTail()}`,
      );
  };
  try {
    await expect(pair.filtered, false, 401);
    for (let i = 0; i < 3; i++) await expect(pair.filtered, true, 200);
    await expect(pair.unfiltered, false, 200);
    await expect(pair.unfiltered, true, 200);
  } finally {
    agent.destroy();
  }
}

async function measure(peer: PeerProcess, token: string): Promise<LoadResult> {
  const r = await loadScrapes(peer, token, CONNECTIONS, SECONDS, PATH);
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${peer.name}: ${r.non2xx} non-2xx, ${r.errors} errors under load`);
  return r;
}

const f0 = (n: number): string => n.toFixed(0);
const f1 = (n: number): string => n.toFixed(1);

function report(pairs: readonly Pair[], startLoad: string): string {
  const cpu = os.cpus();
  const rows = pairs.map((p) => {
    const ratios = p.with.map((w, i) => w.rps / p.without[i]!.rps);
    const cpuWith = median(p.with.map((r) => r.cpuUsPerReq));
    const cpuWithout = median(p.without.map((r) => r.cpuUsPerReq));
    return {
      line: `| ${p.name} | ${f0(median(p.without.map((r) => r.rps)))} | ${f0(median(p.with.map((r) => r.rps)))} | **${median(ratios).toFixed(3)}x** | ${f1(cpuWithout)} → ${f1(cpuWith)} | **${f1(cpuWith - cpuWithout)}** | ${(cpuWithout / cpuWith).toFixed(3)}x |`,
      rounds: `- ${p.name}: without ${p.without.map((r) => f0(r.rps)).join(', ')}; with ${p.with.map((r) => f0(r.rps)).join(', ')}; pair ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}`,
    };
  });
  return [
    `### Filter cost on a trivial handler, ${new Date().toISOString().slice(0, 16)}Z`,
    '',
    `Node ${process.version} · ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}) · controller-runtime v0.23.3 (GOMAXPROCS=1) · HTTPS, warm caches, ${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s · load average at start ${startLoad}, at the end ${loadAvg()}`,
    '',
    `| \`GET ${PATH}\` ("ok\\n") | req/s without the filter | req/s with | **ratio** (median pair) | server CPU µs/request without → with | CPU the filter adds, µs/request | CPU-bound ratio |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => r.line),
    '',
    ...rows.map((r) => r.rounds),
    '',
  ].join('\n');
}

const loadAvg = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

async function main(): Promise<void> {
  const startLoad = loadAvg();
  const crBin = await buildPeers();
  const tmp = await mkdtemp(join(os.tmpdir(), 'kubediag-filter-cost-'));
  const cp = await startControlPlane();
  const peers: PeerProcess[] = [];
  const started = async (p: Promise<PeerProcess>): Promise<PeerProcess> => {
    const peer = await p;
    peers.push(peer);
    return peer;
  };
  try {
    const ids = await createBenchIdentities(cp, tmp);
    const [kdOperator, crOperator] = await Promise.all([
      ids.operator('kubediag-operator'),
      ids.operator('controller-runtime-operator'),
    ]);
    const token = await ids.scraperToken('load-scraper');
    const kubediag = (filter: boolean): Promise<PeerProcess> =>
      startPeer(
        `kubediag${filter ? '' : ', no filter'}`,
        process.execPath,
        [join(here, 'kubediag-peer.mjs')],
        {
          ...process.env,
          KUBECONFIG: kdOperator.kubeconfigPath,
          BENCH_FILTER: filter ? 'on' : 'off',
        },
      );
    const controllerRuntime = (filter: boolean): Promise<PeerProcess> =>
      startPeer(
        `controller-runtime${filter ? '' : ', no filter'}`,
        crBin,
        ['--kubeconfig', crOperator.kubeconfigPath, ...(filter ? [] : ['--no-filter'])],
        { ...process.env, GOMAXPROCS: '1' },
      );
    const pairs: Pair[] = [
      {
        name: 'kubediag',
        filtered: await started(kubediag(true)),
        unfiltered: await started(kubediag(false)),
        with: [],
        without: [],
      },
      {
        name: 'controller-runtime',
        filtered: await started(controllerRuntime(true)),
        unfiltered: await started(controllerRuntime(false)),
        with: [],
        without: [],
      },
    ];
    for (const pair of pairs) await check(pair, token);
    // One unmeasured round each: JIT, TLS sessions, connection pools.
    for (const pair of pairs) {
      await measure(pair.unfiltered, token);
      await measure(pair.filtered, token);
    }
    for (let i = 0; i < ROUNDS; i++) {
      for (const pair of i % 2 === 0 ? pairs : [...pairs].reverse()) {
        const order = i % 2 === 0 ? [pair.unfiltered, pair.filtered] : [pair.filtered, pair.unfiltered];
        for (const peer of order) {
          const r = await measure(peer, token);
          (peer === pair.filtered ? pair.with : pair.without).push(r);
        }
      }
    }
    process.stdout.write(`${report(pairs, startLoad)}\n`);
  } finally {
    await Promise.allSettled(peers.map((p) => p.stop()));
    await cp.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
