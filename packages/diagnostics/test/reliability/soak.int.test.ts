/**
 * Soak: a mixed valid and invalid request stream (load/soak-mix.ts) against a secure operator child
 * for KUBEDIAG_SOAK_SECONDS (120 in CI; 1800 with KUBEDIAG_RELIABILITY=full) after a warm-up of at
 * least KUBEDIAG_SOAK_WARMUP_SECONDS (30; 60 in full) that lasts until RSS levels off. Memory and
 * file descriptors are measured at rest on both sides of the measured phase (load stopped, every
 * client connection closed, full GCs in the child, RSS settled), so the difference is what the
 * stream left behind, not garbage, work in flight or memory the allocator has yet to return.
 */
import { afterAll, expect, it } from 'vitest';
import { useControlPlane } from '@kubediag/envtest';
import { setupLoadIdentities } from './load/cluster-identities.ts';
import { envCount, FULL_RUN, recordFigures } from './load/figures.ts';
import { killAllOperators, startOperator, type OperatorProcess } from './load/operator-process.ts';
import { createPrng, seedFromEnv } from './load/prng.ts';
import { connectionsOnPort, connectionsTo, fdSummary, type FdSummary } from './load/proc-stats.ts';
import { endpointOf } from './load/raw-http.ts';
import { runSoak, type SoakCounts, type SoakCredentials } from './load/soak-mix.ts';

const SOAK_SECONDS = envCount('KUBEDIAG_SOAK_SECONDS', FULL_RUN ? 1800 : 120);
const WARMUP_SECONDS = envCount('KUBEDIAG_SOAK_WARMUP_SECONDS', FULL_RUN ? 60 : 30);
const MAX_WARMUP_SECONDS = Math.max(WARMUP_SECONDS, 150);
const SAMPLE_SECONDS = FULL_RUN ? 60 : 10;
const CONCURRENCY = 6;
const RSS_GROWTH_BOUND = 10 * 1024 * 1024;

afterAll(() => killAllOperators());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface RestPoint {
  readonly rss: number;
  readonly heapUsed: number;
  readonly fds: Omit<FdSummary, 'socketInodes'>;
  /** Of the sockets, the operator's client connections to the apiserver (a pool that varies). */
  readonly apiserverConnections: number;
  /** How long RSS took to settle after the load stopped. */
  readonly settleSeconds: number;
}

/**
 * Waits until the child holds no connection on its port, then measures it after full GCs once RSS
 * has settled: V8 and the allocator hand memory back for seconds after a burst, so one sample right
 * after the load stops reads tens of MiB high and would hide growth.
 */
async function atRest(op: OperatorProcess, port: number, apiserverPort: number): Promise<RestPoint> {
  const deadline = Date.now() + 30_000;
  while (connectionsOnPort(op.pid, port).inodes.size > 0) {
    if (Date.now() > deadline)
      throw new Error(
        `connections still open, by state: ${JSON.stringify(connectionsOnPort(op.pid, port).byState)}`,
      );
    await sleep(200);
  }
  const began = Date.now();
  const samples: number[] = [];
  let m = await op.collectGarbage();
  samples.push(m.rss);
  // Settled: five samples in a row, 3 s apart, within 1 MiB (V8's memory reducer frees in steps
  // several seconds apart, so a shorter window can end between two of them). 60 s at most.
  while (Date.now() - began < 60_000) {
    const last = samples.slice(-5);
    if (last.length === 5 && Math.max(...last) - Math.min(...last) < 1024 * 1024) break;
    await sleep(3000);
    m = await op.collectGarbage();
    samples.push(m.rss);
  }
  const { socketInodes: _inodes, ...fds } = fdSummary(op.pid);
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    fds,
    apiserverConnections: connectionsTo(op.pid, apiserverPort),
    settleSeconds: Math.round((Date.now() - began) / 1000),
  };
}

const emptyCounts = (): SoakCounts => ({
  sent: {},
  answered: {},
  unexpected: 0,
  unexpectedSamples: [],
  connections: 0,
});
const total = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);

it(
  `serves a mixed stream for ${SOAK_SECONDS} s without growing, leaking descriptors or failing`,
  async () => {
    const ids = await setupLoadIdentities(await useControlPlane(), 'soak');
    const seed = seedFromEnv();
    console.log(`[reliability] soak seed ${seed}, warm-up ≥ ${WARMUP_SECONDS} s, measured ${SOAK_SECONDS} s`);
    const op = await startOperator(
      { mode: 'secure', verbosity: 4, apiserver: ids.apiserver, instrument: false },
      // V8 grows the young generation under load and shrinks it at rest, tens of MiB of RSS either
      // way; a fixed size keeps the two measurements at rest comparable.
      { output: 'tail', nodeArgs: ['--min-semi-space-size=16', '--max-semi-space-size=16'] },
    );
    const ep = endpointOf(op.url, op.caPem);
    const rng = createPrng(seed);
    const creds: SoakCredentials = {
      reader: ids.readerToken,
      nobody: ids.nobodyToken,
      garbage: `x${ids.nobodyToken.slice(1, 40)}`,
    };

    // Warm-up: WARMUP_SECONDS, then 15 s steps until RSS under load has grown less than 1 MiB over
    // two steps in a row. Off-heap memory (TLS, thread pools, code) grows in steps for the first
    // minute or two while the heap stays flat (on Node 24 by ~15 MiB). Bounded by
    // MAX_WARMUP_SECONDS: a leak never levels off, so it reaches the bound and then fails below.
    const warmup = emptyCounts();
    const warmBegan = Date.now();
    let warming = true;
    const warmLoad = runSoak(ep, rng, creds, {
      concurrency: CONCURRENCY,
      stop: () => !warming,
      counts: warmup,
    });
    await sleep(WARMUP_SECONDS * 1000);
    const warmCurve = [(await op.collectGarbage()).rss];
    while (Date.now() - warmBegan < MAX_WARMUP_SECONDS * 1000) {
      await sleep(15_000);
      warmCurve.push((await op.collectGarbage()).rss);
      if (warmCurve.length >= 3 && warmCurve.at(-1)! - warmCurve.at(-3)! < 1024 * 1024) break;
    }
    warming = false;
    await warmLoad;
    const warmupSeconds = Math.round((Date.now() - warmBegan) / 1000);
    const apiserverPort = Number(new URL(ids.apiserver.url).port);
    const start = await atRest(op, ep.port, apiserverPort);

    const counts = emptyCounts();
    const began = Date.now();
    const end = began + SOAK_SECONDS * 1000;
    const load = runSoak(ep, rng, creds, { concurrency: CONCURRENCY, stop: () => Date.now() > end, counts });
    const curve: Record<string, number>[] = [
      {
        s: 0,
        rssMiB: mib(start.rss),
        heapMiB: mib(start.heapUsed),
        fds: start.fds.total,
        open: 0,
        served: 0,
      },
    ];
    while (Date.now() + SAMPLE_SECONDS * 1000 < end) {
      await sleep(SAMPLE_SECONDS * 1000);
      const m = await op.collectGarbage();
      curve.push({
        s: Math.round((Date.now() - began) / 1000),
        rssMiB: mib(m.rss),
        heapMiB: mib(m.heapUsed),
        fds: fdSummary(op.pid).total,
        open: connectionsOnPort(op.pid, ep.port).inodes.size,
        served: total(counts.answered),
      });
    }
    await load;
    const elapsed = (Date.now() - began) / 1000;
    const finish = await atRest(op, ep.port, apiserverPort);
    curve.push({
      s: Math.round(elapsed),
      rssMiB: mib(finish.rss),
      heapMiB: mib(finish.heapUsed),
      fds: finish.fds.total,
      open: 0,
      served: total(counts.answered),
    });

    const alive = op.exitInfo() === undefined;
    const tail = op.output();
    const exit = await op.stop();
    // RSS: a leak grows it steadily, while the allocator grows it in steps early in the run and then
    // levels off (on Node 24, +7 MiB in the first half of one run, +3 MiB in the second). So the rate
    // over the second half, under the same load at both ends, is held to the bound spread over the whole
    // run: as sensitive to a steady leak as the total was, blind to the early steps. The total at rest is
    // only held to twice the bound.
    const underLoad = curve.slice(1, -1);
    const middle = underLoad.find((p) => p['s']! >= SOAK_SECONDS / 2) ?? underLoad[0]!;
    const last = underLoad.at(-1)!;
    const lateRssRate =
      ((last['rssMiB']! - middle['rssMiB']!) * 1024 * 1024) / Math.max(1, last['s']! - middle['s']!);
    const requests = total(counts.sent);
    recordFigures('soak', {
      seed,
      warmupSeconds,
      warmupRssMiB: warmCurve.map(mib),
      seconds: Math.round(elapsed),
      concurrency: CONCURRENCY,
      requests,
      requestsPerSecond: Math.round(requests / elapsed),
      connections: counts.connections,
      sentByClass: counts.sent,
      answeredByClassAndStatus: counts.answered,
      unexpected: counts.unexpected,
      rssStartMiB: mib(start.rss),
      rssEndMiB: mib(finish.rss),
      rssGrowthMiB: mib(finish.rss - start.rss),
      lateRssMiBPerMinute: mib(lateRssRate * 60),
      heapStartMiB: mib(start.heapUsed),
      heapEndMiB: mib(finish.heapUsed),
      settleSeconds: [start.settleSeconds, finish.settleSeconds],
      fdsStart: { ...start.fds, apiserverConnections: start.apiserverConnections },
      fdsEnd: { ...finish.fds, apiserverConnections: finish.apiserverConnections },
      curve,
      logBytes: op.outputBytes(),
    });

    expect(alive).toBe(true);
    expect(op.fatals).toEqual([]);
    expect(tail).not.toMatch(/UnhandledPromiseRejection|Uncaught|FATAL ERROR/);
    expect(op.warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(counts.unexpectedSamples, `${counts.unexpected} unexpected outcomes`).toEqual([]);
    // Every class of the mix was exercised.
    for (const cls of [
      'scrape',
      'pprof-index',
      'unauthorized',
      'forbidden',
      'malformed',
      'bad-query',
      'aborted',
      'flags-good',
      'flags-bad',
    ])
      expect(counts.sent[cls] ?? 0).toBeGreaterThan(0);
    // Twice the even rate: one allocator step of 4.6 MiB in the second half (heap flat, RSS flat after
    // it) read as 5.9 MiB/min on Node 24 in CI. A steady leak is caught by the two bounds below.
    expect(lateRssRate, 'RSS bytes per second over the second half').toBeLessThan(
      (2 * RSS_GROWTH_BOUND) / SOAK_SECONDS,
    );
    expect(finish.rss - start.rss).toBeLessThan(2 * RSS_GROWTH_BOUND);
    // The bound itself on the live heap after full GCs: the leak measure that allocator noise cannot blur.
    expect(finish.heapUsed - start.heapUsed).toBeLessThan(RSS_GROWTH_BOUND);
    // Descriptors at rest: nothing the stream opened is still held.
    // Only the operator's pool of apiserver connections may differ (it grows and shrinks with demand).
    expect(finish.fds.total - finish.apiserverConnections).toBeLessThanOrEqual(
      start.fds.total - start.apiserverConnections,
    );
    expect(finish.fds.pipes + finish.fds.anonInodes + finish.fds.files).toBe(
      start.fds.pipes + start.fds.anonInodes + start.fds.files,
    );
    expect(exit).toEqual({ code: 0, signal: null });
  },
  (SOAK_SECONDS + MAX_WARMUP_SECONDS + 180) * 1000,
);
