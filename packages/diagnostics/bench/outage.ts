/**
 * An apiserver outage under scrape load: scrapers with known tokens scrape every server once a
 * second; kube-apiserver is stopped for a while and started again. The scrapers start staggered, so
 * when the outage begins their cache entries have known, evenly spread ages: a filter whose entries
 * live exactly its TTL (controller-runtime) loses them one after another, and the measured share can
 * be set against what the TTLs predict. A token first shown during the outage probes fail-closed.
 */
import type { ControlPlane } from '@kubediag/envtest';
import type { PeerProcess } from './peer-process.ts';
import { scrape, scrapeAgent } from './scrape.ts';

export interface OutagePlan {
  readonly outageS: number;
  /** How long before the outage each scraper's first scrape happens (its cache entries' age then). */
  readonly agesS: readonly number[];
  /** Scraping goes on this long after kube-apiserver is ready again. */
  readonly recoveryS: number;
}

export interface WindowCount {
  ok: number;
  total: number;
}

export interface PeerOutageResult {
  readonly peer: string;
  /** Scrapes by the known scrapers sent while kube-apiserver was surely down (stopped, not restarted). */
  readonly during: WindowCount;
  /** The same, per scraper, in the order of `agesS`. */
  readonly perScraper: readonly WindowCount[];
  /** Slowest successful scrape during the outage, ms. */
  readonly slowestOkMs: number;
  /** The never-seen token during the outage: any 200 here is a fail-open. */
  readonly unseenDuring: WindowCount;
  /** Known scrapers in the recovery window. */
  readonly after: WindowCount;
  /** Seconds from the apiserver being ready to the first 200 for the never-seen token. */
  readonly unseenFirstOkAfterS: number | undefined;
}

export interface OutageResult {
  /** How long stopApiServer() took (SIGTERM until the process was gone), s. */
  readonly stopS: number;
  /** The window the `during` counts cover: from the process gone to startApiServer() called, s. */
  readonly downS: number;
  /** startApiServer() until /readyz answered, s; scrapes sent then count in neither window. */
  readonly restartS: number;
  readonly peers: readonly PeerOutageResult[];
}

interface Sample {
  readonly peer: string;
  readonly scraper: number; // -1: the never-seen token
  readonly sentAt: number;
  readonly status: number;
  readonly ms: number;
}

const TICK_MS = 1000;
const MAX_TICKS = 1200; // 20 minutes: every loop here is bounded, whatever the timings do

const sleepUntil = (t: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

export async function runOutage(
  cp: ControlPlane,
  peers: readonly PeerProcess[],
  knownTokens: readonly string[],
  unseenToken: string,
  plan: OutagePlan,
): Promise<OutageResult> {
  if (knownTokens.length !== plan.agesS.length) throw new Error('one age per known token');
  const samples: Sample[] = [];
  let endAt = Infinity; // set once the apiserver is ready again

  // One scraper: its own keep-alive connections, one scrape of every server per tick, not waiting
  // for the previous one (Prometheus scrapes on schedule and times out at 10 s).
  const scraper = async (index: number, token: string, startAt: number): Promise<void> => {
    const agent = scrapeAgent(4);
    const pending: Promise<void>[] = [];
    await sleepUntil(startAt);
    for (let k = 0, t = startAt; k < MAX_TICKS && t < endAt; k++, t += TICK_MS) {
      await sleepUntil(t);
      if (performance.now() >= endAt) break;
      for (const peer of peers) {
        const sentAt = performance.now();
        pending.push(
          scrape(peer.url, token, agent).then((r) => {
            samples.push({ peer: peer.name, scraper: index, sentAt, status: r.status, ms: r.ms });
          }),
        );
      }
    }
    await Promise.all(pending);
    agent.destroy();
  };

  const maxAgeMs = Math.max(...plan.agesS) * 1000;
  const outageAt = performance.now() + maxAgeMs + 1000;
  const loops = knownTokens.map((token, i) => scraper(i, token, outageAt - plan.agesS[i]! * 1000));

  await sleepUntil(outageAt);
  const stopCalled = performance.now();
  let unseenLoop: Promise<void> = Promise.resolve();
  let stopped: number;
  let startCalled: number;
  let ready: number;
  try {
    await cp.stopApiServer();
    stopped = performance.now();
    // The never-seen token is first shown once the apiserver is gone.
    unseenLoop = scraper(-1, unseenToken, stopped);
    await sleepUntil(stopCalled + plan.outageS * 1000);
    startCalled = performance.now();
    await cp.startApiServer();
    ready = performance.now();
  } catch (err) {
    endAt = performance.now();
    await Promise.allSettled([...loops, unseenLoop]);
    throw err;
  }
  endAt = ready + plan.recoveryS * 1000;
  await Promise.all([...loops, unseenLoop]);

  const count = (f: (s: Sample) => boolean): WindowCount => {
    const xs = samples.filter(f);
    return { ok: xs.filter((s) => s.status === 200).length, total: xs.length };
  };
  // Only scrapes sent while the process was surely gone: while it shuts down or starts, the
  // apiserver may already (or still) answer.
  const inOutage = (s: Sample): boolean => s.sentAt >= stopped && s.sentAt < startCalled;
  return {
    stopS: (stopped - stopCalled) / 1000,
    downS: (startCalled - stopped) / 1000,
    restartS: (ready - startCalled) / 1000,
    peers: peers.map((peer) => {
      const mine = (s: Sample): boolean => s.peer === peer.name;
      const okDuring = samples.filter((s) => mine(s) && s.scraper >= 0 && inOutage(s) && s.status === 200);
      const unseenOk = samples
        .filter((s) => mine(s) && s.scraper === -1 && s.sentAt >= ready && s.status === 200)
        .map((s) => (s.sentAt + s.ms - ready) / 1000);
      return {
        peer: peer.name,
        during: count((s) => mine(s) && s.scraper >= 0 && inOutage(s)),
        perScraper: knownTokens.map((_, i) => count((s) => mine(s) && s.scraper === i && inOutage(s))),
        slowestOkMs: Math.max(0, ...okDuring.map((s) => s.ms)),
        unseenDuring: count((s) => mine(s) && s.scraper === -1 && inOutage(s)),
        after: count((s) => mine(s) && s.scraper >= 0 && s.sentAt >= ready),
        unseenFirstOkAfterS: unseenOk.length > 0 ? Math.min(...unseenOk) : undefined,
      };
    }),
  };
}
