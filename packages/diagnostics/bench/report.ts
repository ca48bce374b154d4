/** Markdown for the comparison: one table with kubediag / controller-runtime ratios, then the outage. */
import type { BurstResult } from './cold-burst.ts';
import type { LoadResult } from './load.ts';
import type { OutagePlan, OutageResult, PeerOutageResult } from './outage.ts';
import {
  CONTROLLER_RUNTIME_LIFETIMES,
  KUBEDIAG_DEFAULT_LIFETIMES,
  benchShare,
  steadyStateShare,
  type CacheLifetimes,
} from './ttl-model.ts';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** Figures of one server (kubediag or controller-runtime). */
export interface SideFigures {
  readonly metricsLines: number;
  readonly metricsBytes: number;
  readonly metricsLinesAfter: number;
  readonly rounds: readonly LoadResult[];
  readonly bursts: readonly BurstResult[];
  readonly rssIdleMiB: number;
  readonly rssAfterLoadMiB: number;
  readonly rssPeakMiB: number;
}

export interface Comparison {
  readonly kubediag: SideFigures;
  readonly controllerRuntime: SideFigures;
  /** kubediag rps / controller-runtime rps of each alternating round. */
  readonly pairRatios: readonly number[];
  readonly connections: number;
  readonly seconds: number;
}

const f0 = (n: number): string => n.toFixed(0);
const f1 = (n: number): string => n.toFixed(1);
const pct = (n: number): string => `${(n * 100).toFixed(1)} %`;
const ratio = (a: number, b: number): string => (b === 0 ? (a === 0 ? '—' : '∞') : `${(a / b).toFixed(2)}x`);

export function comparisonTable(c: Comparison): string[] {
  const k = c.kubediag;
  const g = c.controllerRuntime;
  const med = (s: SideFigures, pick: (r: LoadResult) => number): number => median(s.rounds.map(pick));
  const row = (label: string, a: number, b: number, fmt: (n: number) => string, note = ''): string =>
    `| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio(a, b)}${note} |`;
  const n = k.rounds.length;
  const b = k.bursts.length;
  // The median, and every burst's figure when there were several.
  const burstRow = (label: string, pick: (r: BurstResult) => number): string => {
    const each = (s: SideFigures): string =>
      b > 1 ? ` (${s.bursts.map((r) => f0(pick(r))).join(', ')})` : '';
    const mk = median(k.bursts.map(pick));
    const mg = median(g.bursts.map(pick));
    return `| ${label} | ${f0(mk)}${each(k)} | ${f0(mg)}${each(g)} | ${ratio(mk, mg)} |`;
  };
  const burstOf = b > 1 ? `, median of ${b} bursts` : '';
  return [
    '| measure | kubediag | controller-runtime | kubediag / controller-runtime |',
    '|---|---:|---:|---:|',
    row('`/metrics` lines after warm-up (registry padded to match)', k.metricsLines, g.metricsLines, f0),
    row('`/metrics` body bytes', k.metricsBytes, g.metricsBytes, f0),
    row(
      `authorized scrapes/s, warm caches (median of ${n} rounds)`,
      med(k, (r) => r.rps),
      med(g, (r) => r.rps),
      f0,
    ),
    `| median of the ${n} per-round ratios | | | ${median(c.pairRatios).toFixed(2)}x |`,
    row(
      'p50 latency, ms (median of rounds)',
      med(k, (r) => r.p50Ms),
      med(g, (r) => r.p50Ms),
      f1,
    ),
    row(
      'p99 latency, ms (median of rounds)',
      med(k, (r) => r.p99Ms),
      med(g, (r) => r.p99Ms),
      f1,
    ),
    row(
      'server CPU per scrape, µs (median of rounds)',
      med(k, (r) => r.cpuUsPerReq),
      med(g, (r) => r.cpuUsPerReq),
      f0,
    ),
    ...(b === 0
      ? []
      : [
          burstRow(
            `cold burst: ${k.bursts[0]?.requests ?? 0} concurrent scrapes, fresh token — answered 200${burstOf}`,
            (r) => r.ok,
          ),
          burstRow('cold burst: TokenReviews (apiserver audit log)', (r) => r.tokenReviews),
          burstRow('cold burst: SubjectAccessReviews (apiserver audit log)', (r) => r.subjectAccessReviews),
          burstRow('cold burst: first request sent to last response, ms', (r) => r.wallMs),
        ]),
    row('RSS at idle (after start and one scrape), MiB', k.rssIdleMiB, g.rssIdleMiB, f1),
    row(
      `RSS after the load${b === 0 ? '' : ' and the bursts'}, MiB`,
      k.rssAfterLoadMiB,
      g.rssAfterLoadMiB,
      f1,
    ),
    row('peak RSS so far (VmHWM), MiB', k.rssPeakMiB, g.rssPeakMiB, f1),
    row('`/metrics` lines at the end', k.metricsLinesAfter, g.metricsLinesAfter, f0),
  ];
}

export function roundsLine(c: Comparison): string {
  const rps = (s: SideFigures): string => s.rounds.map((r) => f0(r.rps)).join(', ');
  return `Rounds (${c.connections} connections × ${c.seconds} s each, order alternating, kubediag first in round 1): kubediag ${rps(c.kubediag)} req/s; controller-runtime ${rps(c.controllerRuntime)} req/s; ratios ${c.pairRatios.map((x) => x.toFixed(2)).join(', ')}.`;
}

/** Which lifetimes each outage peer runs with, by peer name. */
export type LifetimesByPeer = Readonly<Record<string, CacheLifetimes>>;

export function outageTable(o: OutageResult, plan: OutagePlan, lifetimes: LifetimesByPeer): string[] {
  const line = (p: PeerOutageResult): string => {
    const l = lifetimes[p.peer];
    // The entries' ages when the counted window opens: the stop itself took stopS.
    const ages = plan.agesS.map((a) => a + o.stopS);
    const expected = l === undefined ? '' : pct(benchShare(l, o.downS, ages));
    const perScraper = p.perScraper.map((w) => `${w.ok}/${w.total}`).join(', ');
    const unseenAfter =
      p.unseenFirstOkAfterS === undefined ? 'none' : `${p.unseenFirstOkAfterS.toFixed(2)} s`;
    return `| ${p.peer} | **${pct(p.during.ok / Math.max(1, p.during.total))}** (${p.during.ok}/${p.during.total}) | ${expected} | ${perScraper} | ${f0(p.slowestOkMs)} | ${p.unseenDuring.ok}/${p.unseenDuring.total} | ${unseenAfter} | ${p.after.ok}/${p.after.total} |`;
  };
  return [
    `| server | scrapes served while the apiserver was down | expected from the TTLs | per scraper (cache age at the stop ${plan.agesS.map((a) => `${a} s`).join(', ')}) | slowest served scrape, ms | never-seen token served during the outage | never-seen token: first 200 after the apiserver is ready | served after restart |`,
    '|---|---:|---:|---|---:|---:|---:|---:|',
    ...o.peers.map(line),
  ];
}

export function ttlSensitivityTable(outagesS: readonly number[]): string[] {
  const sides: [string, CacheLifetimes][] = [
    ['controller-runtime (token 1 min, allowed 5 min, no grace)', CONTROLLER_RUNTIME_LIFETIMES],
    ['kubediag defaults (same TTLs + 5 min stale-if-error grace)', KUBEDIAG_DEFAULT_LIFETIMES],
    ['kubediag, `staleIfErrorGraceMs: 0`', { ...KUBEDIAG_DEFAULT_LIFETIMES, staleGraceS: 0 }],
    [
      'kubediag, `staleIfErrorGraceMs: 900_000` (15 min)',
      { ...KUBEDIAG_DEFAULT_LIFETIMES, staleGraceS: 900 },
    ],
  ];
  const label = (s: number): string => (s < 120 ? `${s} s` : `${s / 60} min`);
  return [
    `| caches | ${outagesS.map((s) => `outage ${label(s)}`).join(' | ')} |`,
    `|---|${outagesS.map(() => '---:').join('|')}|`,
    ...sides.map(
      ([name, l]) => `| ${name} | ${outagesS.map((d) => pct(steadyStateShare(l, d))).join(' | ')} |`,
    ),
  ];
}
