/**
 * Reliability under a hostile network (issue 16, figure a): 1 000 idle TCP connections, slowloris
 * clients and unfinished TLS handshakes against the diagnostics port, from many source addresses,
 * while a kubelet-like prober probes the health-probe port and two known scrapers scrape /metrics on
 * kept-alive connections. kubediag (in its own process, real filter, every bound at its default) and
 * the controller-runtime peer (its metrics server and its manager's probe server) face the same attack
 * in the same run, one after the other.
 *
 * Short by default (a 20 s attack); `KUBEDIAG_RELIABILITY=full` attacks for 3 minutes. Figures are
 * printed and written to `$KUBEDIAG_RELIABILITY_OUT/hostile-network.json` (default
 * `<tmp>/kubediag-reliability/`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setupDiagnosticsIdentities, useControlPlane, type DiagnosticsIdentities } from '@kubediag/envtest';
import { Attack, type AttackSlots } from './support/attackers.ts';
import { KeptAliveScraper, probeOnce, type Outcome } from './support/known-clients.ts';
import { startServerProcess, type ServerProcess } from './support/peer-process.ts';

const FULL = process.env['KUBEDIAG_RELIABILITY'] === 'full';
const ATTACK_MS = FULL ? 180_000 : 20_000;
/** A probe and a scrape per known client this often (the kubelet probes every 10 s by default). */
const EVERY_MS = 1000;
/** The kubelet's default probe timeoutSeconds: recorded, not asserted (the machine is shared). */
const KUBELET_TIMEOUT_MS = 1000;

const PLAN: readonly AttackSlots[] = [
  // 1 000 idle connections from 50 addresses: beyond any one source's limit, not beyond the cap.
  { kind: 'idle', slots: 1000, subnet: 1, perSource: 20 },
  { kind: 'slowloris', slots: 100, subnet: 2, perSource: 10 },
  { kind: 'partial-handshake', slots: 100, subnet: 3, perSource: 10 },
];

const exec = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PEER_BUILD = fileURLToPath(
  new URL('../../../bench/peers/controller-runtime/build.sh', import.meta.url),
);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  readonly probes: Outcome[];
  readonly scrapes: Outcome[];
  readonly attack: Attack['counts'];
  readonly attackOpenAtEnd: number;
  readonly rssMiB: { before: number; peak: number };
}

/** Attacks `server` for ATTACK_MS while the known clients go on; returns what each saw. */
async function underAttack(
  server: ServerProcess,
  token: string,
  probePaths: readonly string[],
): Promise<Run> {
  const scrapers = await Promise.all(
    ['127.0.0.2', '127.0.0.3'].map((a) => KeptAliveScraper.open(server.url, token, a)),
  );
  const probes: Outcome[] = [];
  const scrapes: Outcome[] = [];
  try {
    // Known before the attack: one scrape each, as Prometheus had scraped before.
    for (const s of scrapers) expect((await s.scrape()).result).toBe(200);
    const before = (await server.memory()).rssMiB;
    const attack = new Attack(server.url, PLAN);
    const until = Date.now() + ATTACK_MS;
    let round = 0;
    while (Date.now() < until) {
      const path = probePaths[round++ % probePaths.length]!;
      const [probe, ...scraped] = await Promise.all([
        probeOnce(server.probes, path),
        ...scrapers.map((s) => s.scrape()),
        sleep(EVERY_MS),
      ]);
      probes.push(probe);
      scrapes.push(...(scraped.slice(0, scrapers.length) as Outcome[]));
    }
    const attackOpenAtEnd = attack.open;
    attack.stop();
    return {
      probes,
      scrapes,
      attack: attack.counts,
      attackOpenAtEnd,
      rssMiB: { before, peak: (await server.memory()).peakRssMiB },
    };
  } finally {
    for (const s of scrapers) s.close();
  }
}

function summary(outcomes: readonly Outcome[]): Record<string, unknown> {
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const at = (q: number): number => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0);
  const results = new Map<string, number>();
  for (const o of outcomes) results.set(String(o.result), (results.get(String(o.result)) ?? 0) + 1);
  return {
    count: outcomes.length,
    answeredPercent: round1((100 * outcomes.filter((o) => o.result === 200).length) / outcomes.length),
    withinKubeletTimeoutPercent: round1(
      (100 * outcomes.filter((o) => o.result === 200 && o.ms <= KUBELET_TIMEOUT_MS).length) / outcomes.length,
    ),
    results: Object.fromEntries(results),
    ms: { p50: at(0.5), p99: at(0.99), max: Math.round(ms.at(-1) ?? 0) },
  };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function recordFigures(figures: Record<string, unknown>): void {
  const dir = process.env['KUBEDIAG_RELIABILITY_OUT'] ?? join(tmpdir(), 'kubediag-reliability');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'hostile-network.json');
  const doc = {
    name: 'hostile-network',
    node: process.version,
    full: FULL,
    at: new Date().toISOString(),
    ...figures,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`[reliability] hostile-network: ${JSON.stringify(figures)}\n[reliability] written to ${file}`);
}

describe('reliability: a hostile network', { timeout: 2 * ATTACK_MS + 240_000 }, () => {
  let ids: DiagnosticsIdentities;
  let dir: string;
  let kubeconfig: string;
  const figures: Record<string, unknown> = { attackSeconds: ATTACK_MS / 1000, plan: PLAN };

  beforeAll(async () => {
    ids = await setupDiagnosticsIdentities(await useControlPlane(), 'hostile');
    dir = await mkdtemp(join(tmpdir(), 'kdiag-hostile-'));
    kubeconfig = join(dir, 'operator.kubeconfig');
    await writeFile(kubeconfig, ids.operatorKc.exportConfig(), { mode: 0o600 });
  });
  afterAll(async () => {
    recordFigures(figures);
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps answering every probe and every known scrape (kubediag)', async () => {
    const server = await startServerProcess(
      'kubediag',
      process.execPath,
      ['--conditions=@kubediag/source', '--import', 'tsx', 'test/support/hostile-server-main.ts'],
      { ...process.env, KUBEDIAG_KUBECONFIG: kubeconfig },
      PACKAGE_DIR,
    );
    try {
      const run = await underAttack(server, ids.readerToken, ['/readyz', '/livez', '/healthz']);
      figures['kubediag'] = {
        probes: summary(run.probes),
        scrapes: summary(run.scrapes),
        attack: run.attack,
        attackOpenAtEnd: run.attackOpenAtEnd,
        rssMiB: run.rssMiB,
      };
      expect(run.probes.length).toBeGreaterThan(5);
      expect(run.probes.filter((o) => o.result !== 200)).toEqual([]);
      expect(run.scrapes.filter((o) => o.result !== 200)).toEqual([]);
      // The attack was real: its connections were held, cut by the deadlines and reopened.
      expect(run.attack.idle.closedByServer).toBeGreaterThan(0);
      expect(run.attack['partial-handshake'].closedByServer).toBeGreaterThan(0);
      expect(run.attack.slowloris.closedByServer).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it('records the controller-runtime peer under the same attack', async () => {
    const built = await exec('bash', [PEER_BUILD]).then(
      (r) => r.stdout.trim(),
      (err: Error) => err,
    );
    if (built instanceof Error) {
      figures['controllerRuntime'] = { unavailable: built.message.split('\n')[0] };
      console.warn(`[reliability] controller-runtime peer not built, not compared: ${built.message}`);
      return;
    }
    const peer = await startServerProcess(
      'controller-runtime',
      built,
      ['--kubeconfig', kubeconfig, '--health-probe-bind-address', '127.0.0.1:0'],
      process.env,
    );
    try {
      // controller-runtime's manager serves /healthz and /readyz (no /livez).
      const run = await underAttack(peer, ids.readerToken, ['/readyz', '/healthz']);
      figures['controllerRuntime'] = {
        probes: summary(run.probes),
        scrapes: summary(run.scrapes),
        attack: run.attack,
        attackOpenAtEnd: run.attackOpenAtEnd,
        rssMiB: run.rssMiB,
      };
    } finally {
      await peer.stop();
    }
  });
});
