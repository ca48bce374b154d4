import type { AuditEvent } from '@kubediag/authn-authz-filter';
import {
  bindClusterRole,
  createClusterRole,
  createServiceAccount,
  createToken,
  setupDiagnosticsIdentities,
  startControlPlane,
  uniqueName,
  type ControlPlane,
  type DiagnosticsIdentities,
} from '@kubediag/envtest';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDiagnostics, type Diagnostics } from '../../src/index.ts';
import { fetchOnce, ScraperFleet, summarize, type Scrape } from './faults/scrapers.ts';

/*
 * The issue's outage: kube-apiserver really stopped (envtest's stopApiServer, etcd keeps running) for
 * 60 s while 5 scrapers with known tokens scrape /metrics every second. Its own control plane: the
 * shared one must stay up for the other files.
 *
 * TTLs against the window. With the defaults (tokens 1 min, allowed decisions 5 min) every entry would
 * still be fresh for most or all of a 60 s outage, and the test would prove only the cache. So the
 * token and allowed-decision TTLs are 10 s: each scraper's entries expire within the first 10 s of the
 * outage, and the remaining >= 50 s are served by stale-if-error alone. The grace period stays at its
 * default (5 min), longer than TTL + outage, so every scraper stays within it. The test checks that
 * stale answers were really served for every scraper (audit flag and metric), so a TTL that outlived
 * the window would fail it.
 *
 * Everything else is withDiagnostics' default: secure mode, a generated certificate, the Kubernetes
 * filter with controller-runtime's timeouts and retries. Besides the two TTLs, only where things go is
 * changed: the audit records to a callback (to see which answers were stale), the log lines to a
 * capture (to check no token is logged), the metrics to a fresh registry.
 *
 * Phases: `outage` runs from stopApiServer() to startApiServer(), the apiserver gone. `restart` is the
 * apiserver starting (port open, /readyz not yet ok): it answers reviews with 403 until its RBAC caches
 * sync; the filter asks /readyz, sees the apiserver is not ready and keeps serving stale, so those
 * scrapes succeed too. `recovered` is after /readyz. The issue's >= 99% is asserted over all three.
 *
 * The outage is 60 s in CI too (the file takes about 90 s); KUBEDIAG_OUTAGE_SECONDS shortens it for a
 * quick local run (it must exceed the TTL for the test to mean anything).
 */
const OUTAGE_MS = Number(process.env['KUBEDIAG_OUTAGE_SECONDS'] ?? '60') * 1000;
const TTL_MS = 10_000;
const SCRAPERS = 5;
const WARM_MS = 3_000;
const RECOVERED_MS = 3_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const STALE = 'authn-authz.kubediag.io/stale';

let cp: ControlPlane;
let ids: DiagnosticsIdentities;
let diag: Diagnostics;
let registry: Registry;
let scraperTokens: string[];
let scraperUsers: string[];
let unseen: { during: string; after: string };
const audit: { user: string; path: string; code: number; stale: boolean; phase: string }[] = [];
const logLines: string[] = [];
let fleet: ScraperFleet;

beforeAll(async () => {
  expect(OUTAGE_MS).toBeGreaterThan(TTL_MS);
  cp = await startControlPlane();
  ids = await setupDiagnosticsIdentities(cp, 'outage');
  const admin = cp.kubeConfig;
  const role = await createClusterRole(admin, uniqueName('outage-scraper'), [
    { nonResourceURLs: ['/metrics'], verbs: ['get'] },
  ]);
  const names = Array.from({ length: SCRAPERS }, (_, i) => `scraper-${i}`);
  await Promise.all(names.map((sa) => createServiceAccount(admin, ids.ns, sa)));
  await Promise.all(names.map((sa) => bindClusterRole(admin, role, { ns: ids.ns, sa })));
  scraperTokens = await Promise.all(names.map((sa) => createToken(admin, ids.ns, sa)));
  scraperUsers = names.map((sa) => `system:serviceaccount:${ids.ns}:${sa}`);
  // Tokens of a scraper identity that the operator is shown for the first time during or after the outage.
  await createServiceAccount(admin, ids.ns, 'latecomer');
  await bindClusterRole(admin, role, { ns: ids.ns, sa: 'latecomer' });
  unseen = {
    during: await createToken(admin, ids.ns, 'latecomer'),
    after: await createToken(admin, ids.ns, 'latecomer'),
  };

  registry = new Registry();
  diag = await withDiagnostics({
    name: 'outage-operator',
    server: { bindAddress: '127.0.0.1:0' },
    auth: {
      tokenCacheTTLMs: TTL_MS,
      allowedTTLMs: TTL_MS,
      audit: (e: AuditEvent) =>
        audit.push({
          user: e.user.username ?? '',
          path: e.requestURI,
          code: e.responseStatus.code,
          stale: e.annotations[STALE] === 'true',
          phase: fleet.phase,
        }),
    },
    kubeConfig: ids.operatorKc,
    logging: { output: { write: (s: string) => void logLines.push(s) }, verbosity: 2 },
    metrics: { registry },
  });
  await diag.start();
  fleet = new ScraperFleet({
    url: diag.server.url!,
    caPem: diag.server.servingCertificate()!.caPem!,
    tokens: scraperTokens,
  });
});

afterAll(async () => {
  await fleet?.stop();
  await diag?.stop();
  await cp?.stop();
});

const call = (path: string, token: string) =>
  fetchOnce(diag.server.url!, diag.server.servingCertificate()!.caPem!, path, token);
const statusOf = (r: { status: number } | { error: string }): number | string =>
  'error' in r ? r.error : r.status;
const apiserverAnswer = async () => {
  const r = await fetchOnce(cp.url, cp.caPem, '/readyz', 'none');
  return 'error' in r ? r.error : r.status;
};

describe('reliability: kube-apiserver stopped while 5 scrapers scrape every second', () => {
  it(
    'keeps >= 99% of scrapes successful while it is down, fails unseen identities closed, recovers right after restart',
    { timeout: OUTAGE_MS + 120_000 },
    async () => {
      fleet.start();
      await sleep(WARM_MS);

      fleet.phase = 'outage';
      const stopStarted = performance.now();
      await cp.stopApiServer();
      const stopMs = performance.now() - stopStarted;
      const outageStarted = performance.now();
      const failClosed: { at: string; unseenToken: unknown; unseenPath: unknown; apiserver: unknown }[] = [];
      // Before the TTL ends (cache), just after it (stale-if-error), and near the end of the window.
      for (const at of [TTL_MS / 2, TTL_MS + 5_000, OUTAGE_MS - 5_000]) {
        await sleep(Math.max(0, outageStarted + at - performance.now()));
        failClosed.push({
          at: `${Math.round((performance.now() - outageStarted) / 1000)} s`,
          apiserver: await apiserverAnswer(),
          // An identity the operator has never seen: no cached answer can vouch for it.
          unseenToken: await call('/metrics', unseen.during),
          // A known identity on a path it was never authorized for: the /metrics answer must not leak.
          unseenPath: await call('/debug/pprof/', scraperTokens[0]!),
        });
      }
      await sleep(Math.max(0, outageStarted + OUTAGE_MS - performance.now()));
      const outageMs = performance.now() - outageStarted;

      fleet.phase = 'restart';
      const startStarted = performance.now();
      await cp.startApiServer();
      const startMs = performance.now() - startStarted;
      fleet.phase = 'recovered';
      // Right after /readyz: identities never seen before pass on the first try.
      const afterRestart = {
        unseenToken: statusOf(await call('/metrics', unseen.after)),
        refusedDuringOutage: statusOf(await call('/metrics', unseen.during)),
        msAfterReady: Math.round(performance.now() - startStarted - startMs),
      };
      await sleep(RECOVERED_MS);
      await fleet.stop();

      const byPhase = (p: string): Scrape[] => fleet.scrapes.filter((s) => s.phase === p);
      const outage = summarize(byPhase('outage'));
      const restart = summarize(byPhase('restart'));
      const recovered = summarize(byPhase('recovered'));
      const staleServed = audit.filter((a) => a.phase === 'outage' && a.stale && a.code === 200);
      const metrics = await registry.metrics();
      const staleMetric = (cache: string): number =>
        Number(
          new RegExp(`kubediag_authn_authz_stale_decisions_total\\{cache="${cache}"\\} (\\d+)`).exec(
            metrics,
          )?.[1] ?? 0,
        );
      console.log(
        `[kubediag-reliability] outage ${JSON.stringify({
          outageS: Math.round(outageMs / 100) / 10,
          stopApiServerMs: Math.round(stopMs),
          startApiServerMs: Math.round(startMs),
          all: summarize(fleet.scrapes),
          warm: summarize(byPhase('warm')),
          outage,
          restart,
          recovered,
          staleServed: staleServed.length,
          staleMetric: { token: staleMetric('token'), authorization: staleMetric('authorization') },
          failClosed,
          afterRestart,
          node: process.version,
        })}`,
      );

      // Fail closed for what was never seen, at every point of the window, while the apiserver was gone.
      for (const f of failClosed) {
        expect(f.apiserver).toBe('ECONNREFUSED');
        expect(f.unseenToken).toEqual({ status: 500, body: 'Authentication failed\n' });
        expect(f.unseenPath).toEqual({
          status: 500,
          body: `Authorization for user ${scraperUsers[0]} failed\n`,
        });
      }

      // The scrapers really ran through the window (a 1 s schedule gives ~60 per scraper; 10 is a floor
      // against a test that silently scraped nothing, not a timing).
      expect(outage.scrapes).toBeGreaterThanOrEqual(SCRAPERS * 10);
      expect(outage.ok / outage.scrapes).toBeGreaterThanOrEqual(0.99);
      const window = summarize([...byPhase('outage'), ...byPhase('restart'), ...byPhase('recovered')]);
      expect(window.ok / window.scrapes).toBeGreaterThanOrEqual(0.99);
      // While the restarted apiserver starts (port open, /readyz not yet ok) it answers the operator's
      // reviews with 403 until its RBAC caches have synced. That is an outage, not missing RBAC: the
      // filter checks /readyz and serves the recently allowed decisions stale, so no scrape fails.
      for (const s of byPhase('restart')) expect(s.outcome).toBe(200);
      // Recovery right after restart: new identities pass again, and the one refused during the outage
      // too; every scrape after /readyz succeeds.
      expect(afterRestart.unseenToken).toBe(200);
      expect(afterRestart.refusedDuringOutage).toBe(200);
      expect(recovered.scrapes).toBeGreaterThan(0);
      expect(recovered.ok).toBe(recovered.scrapes);
      // Stale-if-error was exercised for every scraper, not only the cache: its entries expired and were
      // served past their TTL while the apiserver was unreachable.
      for (const user of scraperUsers)
        expect(staleServed.filter((a) => a.user === user).length).toBeGreaterThan(0);
      expect(staleMetric('token')).toBeGreaterThan(0);
      expect(staleMetric('authorization')).toBeGreaterThan(0);
      // After the restart the expired entries were reviewed afresh: each scraper's last decision is not stale.
      for (const user of scraperUsers) {
        const last = audit.filter((a) => a.user === user && a.path === '/metrics').at(-1);
        expect(last).toMatchObject({ phase: 'recovered', code: 200, stale: false });
      }
      // No token in any log line (the V(2) stale notices and the error lines name the user, never the token).
      for (const t of [...scraperTokens, unseen.during, unseen.after]) {
        expect(logLines.some((l) => l.includes(t))).toBe(false);
      }
    },
  );
});
