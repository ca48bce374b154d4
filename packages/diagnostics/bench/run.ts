/**
 * kubediag side by side with controller-runtime, in one run against one envtest control plane:
 *   1. authorized /metrics scrapes with warm caches: requests/s, p50/p99 latency, server CPU per
 *      scrape — autocannon, same connections and duration, alternating order, repeated;
 *   2. a cold burst of identical requests with a fresh token: TokenReviews and SubjectAccessReviews
 *      counted in the apiserver's audit log;
 *   3. memory: RSS of each server process at idle and after the load;
 *   4. an apiserver outage with 5 scrapers once a second: the share of scrapes served, against what
 *      each filter's cache lifetimes predict.
 * kubediag is withDiagnostics() with its defaults (bench/kubediag-peer.mjs, from dist/); the anchor is
 * controller-runtime's metrics server with filters.WithAuthenticationAndAuthorization
 * (bench/peers/controller-runtime at the repository root). Both in their own processes, the /metrics
 * registry of the Go peer padded to the line count of kubediag's default registry.
 *
 * Run: pnpm --filter @kubediag/diagnostics bench            (full, ~6 min; writes bench/RESULTS.md)
 *      pnpm --filter @kubediag/diagnostics bench -- --quick (smoke run, ~1.5 min; prints only)
 *      pnpm --filter @kubediag/diagnostics bench -- --throughput-only (parts 1 and 3 again, for a
 *        quieter moment of a shared machine; BENCH_ROUNDS, BENCH_SECONDS; prints only)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '@kubediag/envtest';
import { buildPeers } from './build-peers.ts';
import { coldBurst, type BurstResult } from './cold-burst.ts';
import { createBenchIdentities } from './identities.ts';
import { loadScrapes, type LoadResult } from './load.ts';
import { runOutage, type OutagePlan } from './outage.ts';
import { startPeer, type PeerProcess } from './peer-process.ts';
import { comparisonTable, outageTable, roundsLine, ttlSensitivityTable, type SideFigures } from './report.ts';
import { lineCount, scrape, scrapeAgent } from './scrape.ts';
import { CONTROLLER_RUNTIME_LIFETIMES, KUBEDIAG_DEFAULT_LIFETIMES } from './ttl-model.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const throughputOnly = process.argv.includes('--throughput-only');

const ROUNDS = quick ? 1 : Number(process.env['BENCH_ROUNDS'] ?? 5);
const SECONDS = quick ? 2 : Number(process.env['BENCH_SECONDS'] ?? 10);
const CONNECTIONS = 32;
const BURST = 200;
// How many cold bursts per server: how many SubjectAccessReviews controller-runtime sends depends on
// how many requests are past authentication before the first decision is cached.
const BURSTS = throughputOnly ? 0 : quick ? 1 : 5;
// Full: a 60 s outage with the scrapers' cache entries 6, 18, 30, 42 and 54 s old when it starts,
// spread evenly over the 1-minute token TTL both filters use. Quick: short and young, only the path.
const OUTAGE: OutagePlan = quick
  ? { outageS: 8, agesS: [1, 2, 3, 4, 5], recoveryS: 3 }
  : { outageS: 60, agesS: [6, 18, 30, 42, 54], recoveryS: 10 };

const loadAvg = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/** A few authorized scrapes (caches warm, lazily created series there); returns the last body. */
async function warmUp(peer: PeerProcess, token: string): Promise<string> {
  const agent = scrapeAgent(1);
  let body = '';
  for (let i = 0; i < 3; i++) {
    const r = await scrape(peer.url, token, agent);
    if (r.status !== 200)
      throw new Error(`${peer.name}: warm-up scrape answered ${r.status}\n${peer.stderrTail()}`);
    body = r.body;
  }
  agent.destroy();
  return body;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const startLoad = loadAvg();
  const crBin = await buildPeers();
  const tmp = await mkdtemp(join(os.tmpdir(), 'kubediag-cr-compare-'));
  const cp = await startControlPlane({ auditLog: true });
  const peers: PeerProcess[] = [];
  try {
    const ids = await createBenchIdentities(cp, tmp);
    const [kdOperator, crOperator, kdNoGraceOperator] = await Promise.all([
      ids.operator('kubediag-operator'),
      ids.operator('controller-runtime-operator'),
      ids.operator('kubediag-no-grace-operator'),
    ]);
    const loadToken = await ids.scraperToken('load-scraper');

    // BENCH_KUBEDIAG_NODE_ARGS: extra Node flags for the kubediag server, e.g. `--cpu-prof`.
    const nodeArgs = (process.env['BENCH_KUBEDIAG_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    const kd = await startPeer('kubediag', process.execPath, [...nodeArgs, join(here, 'kubediag-peer.mjs')], {
      ...process.env,
      KUBECONFIG: kdOperator.kubeconfigPath,
    });
    peers.push(kd);
    const kdBody = await warmUp(kd, loadToken);
    const cr = await startPeer(
      'controller-runtime',
      crBin,
      ['--kubeconfig', crOperator.kubeconfigPath, `--metrics-lines=${lineCount(kdBody)}`],
      process.env,
    );
    peers.push(cr);
    const crBody = await warmUp(cr, loadToken);
    await new Promise((r) => setTimeout(r, 2000));
    const rssIdle = [await kd.rssMiB(), await cr.rssMiB()] as const;

    // 1. Throughput, warm caches; the order alternates so drift in the machine's load hits both.
    const rounds: [LoadResult[], LoadResult[]] = [[], []];
    const pairRatios: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
      for (const side of order) {
        const peer = side === 0 ? kd : cr;
        const r = await loadScrapes(peer, loadToken, CONNECTIONS, SECONDS);
        if (r.non2xx > 0 || r.errors > 0)
          throw new Error(`${peer.name}: ${r.non2xx} non-2xx, ${r.errors} errors under load`);
        rounds[side].push(r);
      }
      pairRatios.push(rounds[0][i]!.rps / rounds[1][i]!.rps);
    }

    // 2. Cold bursts, one server at a time, each with a token it has never seen.
    const bursts: [BurstResult[], BurstResult[]] = [[], []];
    for (let i = 0; i < BURSTS; i++) {
      const order = i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
      for (const side of order) {
        const token = await ids.scraperToken(`burst-${side}-${i}`);
        const [peer, operator] = side === 0 ? [kd, kdOperator] : [cr, crOperator];
        bursts[side].push(await coldBurst(cp, peer, operator, token, BURST, loadToken));
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = [await kd.rssMiB(), await cr.rssMiB()] as const;
    const rssPeak = [await kd.peakRssMiB(), await cr.peakRssMiB()] as const;
    const linesAfter = [
      lineCount(await warmUp(kd, loadToken)),
      lineCount(await warmUp(cr, loadToken)),
    ] as const;
    const throughputLoad = loadAvg();

    const side = (i: 0 | 1, body: string): SideFigures => ({
      metricsLines: lineCount(body),
      metricsBytes: Buffer.byteLength(body),
      metricsLinesAfter: linesAfter[i],
      rounds: rounds[i],
      bursts: bursts[i],
      rssIdleMiB: rssIdle[i],
      rssAfterLoadMiB: rssAfter[i],
      rssPeakMiB: rssPeak[i],
    });
    const comparison = {
      kubediag: side(0, kdBody),
      controllerRuntime: side(1, crBody),
      pairRatios,
      connections: CONNECTIONS,
      seconds: SECONDS,
    };
    const cpu = os.cpus();
    const heading = [
      `### ${quick ? 'Quick run' : throughputOnly ? 'Throughput-only run' : 'Run'} ${new Date().toISOString().slice(0, 16)}Z`,
      '',
      `Node ${process.version} · ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}) · kube-apiserver from envtest · controller-runtime v0.23.3 · load average at start ${startLoad}, after the throughput part ${throughputLoad}`,
      '',
      ...comparisonTable(comparison),
      '',
      roundsLine(comparison),
      '',
    ];
    if (throughputOnly) {
      process.stdout.write(`${heading.join('\n')}\n`);
      return;
    }

    // 4. Outage, last: kubediag with its defaults, kubediag without stale-if-error, controller-runtime.
    const kdNoGrace = await startPeer(
      'kubediag, no grace',
      process.execPath,
      [join(here, 'kubediag-peer.mjs')],
      {
        ...process.env,
        KUBECONFIG: kdNoGraceOperator.kubeconfigPath,
        BENCH_STALE_IF_ERROR_GRACE_MS: '0',
      },
    );
    peers.push(kdNoGrace);
    const known = await Promise.all(OUTAGE.agesS.map((_, i) => ids.scraperToken(`outage-scraper-${i}`)));
    const unseen = await ids.scraperToken('outage-never-seen');
    const outage = await runOutage(cp, [kd, kdNoGrace, cr], known, unseen, OUTAGE);

    const lifetimes = {
      kubediag: KUBEDIAG_DEFAULT_LIFETIMES,
      'kubediag, no grace': { ...KUBEDIAG_DEFAULT_LIFETIMES, staleGraceS: 0 },
      'controller-runtime': CONTROLLER_RUNTIME_LIFETIMES,
    };
    const report = [
      ...heading,
      `Outage: kube-apiserver stopped for ${OUTAGE.outageS} s from the stop call to the start call (SIGTERM to gone ${outage.stopS.toFixed(1)} s, then down ${outage.downS.toFixed(1)} s, the window counted below; restart to /readyz ${outage.restartS.toFixed(1)} s); ${OUTAGE.agesS.length} scrapers, each scraping every server once a second with its own token, plus one token first shown once the apiserver was gone.`,
      '',
      ...outageTable(outage, OUTAGE, lifetimes),
      '',
      'Expected share of scrapes served during an outage, from the cache lifetimes alone, for scrapers running long before it (steady state: cache ages uniform over each TTL):',
      '',
      ...ttlSensitivityTable([30, 60, 300, 600, 1200]),
      '',
      `${((Date.now() - t0) / 1000).toFixed(0)} s in all; load average at the end ${loadAvg()}.`,
      '',
    ].join('\n');
    process.stdout.write(`${report}\n`);
    if (!quick) await writeResults(report);
  } finally {
    await Promise.allSettled(peers.map((p) => p.stop()));
    await cp.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Replaces the generated block of RESULTS.md, keeping the prose around it. */
async function writeResults(report: string): Promise<void> {
  const path = join(here, 'RESULTS.md');
  const begin = '<!-- bench:begin (generated by bench/run.ts; edit outside these markers) -->';
  const end = '<!-- bench:end -->';
  const old = await readFile(path, 'utf8').catch(() => `${begin}\n${end}\n`);
  const i = old.indexOf(begin);
  const j = old.indexOf(end);
  const next =
    i >= 0 && j > i
      ? `${old.slice(0, i + begin.length)}\n\n${report}\n${old.slice(j)}`
      : `${old.trimEnd()}\n\n${begin}\n\n${report}\n${end}\n`;
  await writeFile(path, next);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
