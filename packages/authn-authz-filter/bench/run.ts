/*
 * Benchmarks of @kubediag/authn-authz-filter against a REAL kube-apiserver (envtest):
 *  1. per-request cost of a cache hit: the decision core alone, and the whole filter wrapper;
 *  2. requests/s behind the filter (warm caches) vs the same server without it, in the scenarios of
 *     throughput.ts (trivial and /metrics handlers, HTTP and HTTPS, and a calibration);
 *  3. apiserver calls per unique (token, path, verb) in a cold concurrent burst, counted in the
 *     apiserver's own audit log.
 * The filter is measured as operators run it: the compiled package (dist/, built by the bench script),
 * not the TypeScript sources through a loader, which cost it about twice as much per request here.
 * Prints a Markdown table. Run: pnpm --filter @kubediag/authn-authz-filter bench
 */
import type http from 'node:http';
import os from 'node:os';
import { Registry } from 'prom-client';
import {
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createServiceAccount,
  createToken,
  startControlPlane,
} from '@kubediag/envtest';
// By its name, without the source condition: the compiled package, as an operator imports it.
import { createAuthnAuthz, withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import { setupDiagnosticsIdentities, tokenKubeConfig } from '@kubediag/envtest';
import { createLogger } from '@kubediag/klog';
import { SCENARIOS, measureScenario, scenarioRounds, scenarioRows } from './throughput.ts';
import type { ScenarioResult } from './throughput.ts';

// An operator's logger at the default -v=2, writing nowhere.
const quiet = createLogger({ verbosity: 2, output: { write: () => true } });

async function main(): Promise<void> {
  const t0 = Date.now();
  const cp = await startControlPlane({ auditLog: true });
  try {
    const ids = await setupDiagnosticsIdentities(cp, 'bench');
    const auth = { Authorization: `Bearer ${ids.readerToken}` };

    // 1. Per-request cost of a cache hit.
    const core = await createAuthnAuthz({}, { kubeConfig: ids.operatorKc, registry: new Registry() });
    const attrs = {
      method: 'GET',
      url: '/metrics',
      headers: { authorization: auth.Authorization },
      remoteAddress: '127.0.0.1',
    };
    const first = await core.decide(attrs);
    if (first.status !== 200) throw new Error(`core warm-up answered ${first.status}`);
    const N = 200_000;
    for (let i = 0; i < 20_000; i++) void core.decide(attrs);
    let t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const d = core.decide(attrs);
      if (d instanceof Promise) throw new Error('cache miss on the hot path');
    }
    const decideUs = Number(process.hrtime.bigint() - t) / N / 1000;
    // The whole node:http wrapper (attributes, header removal, user symbol) with a no-op handler, as
    // the provider hands it to a host. Metrics on, as in an operator; audit records at their default
    // V(4), off at the logger's -v=2.
    const filter = await withAuthenticationAndAuthorization()({
      logger: quiet,
      registry: new Registry(),
      kubeConfig: ids.operatorKc,
    });
    const wrapped = filter.filter(quiet, () => {});
    const fakeRes = { once: () => fakeRes, statusCode: 200 } as unknown as http.ServerResponse;
    const mkReq = () =>
      ({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: auth.Authorization },
        // What curl and Prometheus send, in their spelling.
        rawHeaders: ['Host', '127.0.0.1:8443', 'User-Agent', 'Prometheus/3.5.0', 'Accept', '*/*'] as string[],
        socket: { remoteAddress: '127.0.0.1' },
      }) as unknown as http.IncomingMessage;
    const reqs = Array.from({ length: 1000 }, mkReq);
    for (const r of reqs.slice(0, 2)) {
      r.rawHeaders.push('Authorization', auth.Authorization);
      await wrapped(r, fakeRes); // warm-up: the first one reviews
    }
    t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const r = reqs[i % 1000]!;
      r.rawHeaders.push('Authorization', auth.Authorization); // the filter removed it last time
      void wrapped(r, fakeRes);
    }
    const filterUs = Number(process.hrtime.bigint() - t) / N / 1000;
    await core.close();

    // 2. Throughput, warm caches, in the scenarios of throughput.ts, through the same filter.
    // Any key pair will do as the bench server's certificate; the load generator skips verification.
    const tls = await cp.issueClientCertificate('bench-server');
    const scenarios: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      scenarios.push(
        await measureScenario(scenario, {
          auth,
          tls,
          filter: (h) => filter.filter(quiet, h),
          filterCostUs: filterUs,
        }),
      );
    }

    // 3. Cold burst: apiserver calls per unique (token, path, verb), counted by the apiserver.
    const admin = cp.kubeConfig;
    const operatorSa = 'burst-operator';
    await createServiceAccount(admin, ids.ns, operatorSa);
    await bindAuthDelegator(admin, { ns: ids.ns, sa: operatorSa });
    const role = await createClusterRole(admin, `bench-burst-${Date.now()}`, [
      { nonResourceURLs: ['/metrics', '/debug/pprof/*'], verbs: ['get'] },
      { nonResourceURLs: ['/debug/flags/v'], verbs: ['put'] },
    ]);
    const scrapers = ['s1', 's2', 's3', 's4'];
    await Promise.all(scrapers.map((s) => createServiceAccount(admin, ids.ns, s)));
    await Promise.all(scrapers.map((s) => bindClusterRole(admin, role, { ns: ids.ns, sa: s })));
    const tokens = await Promise.all(scrapers.map((s) => createToken(admin, ids.ns, s)));
    const operatorKc = await tokenKubeConfig(cp, await createToken(admin, ids.ns, operatorSa));
    const cold = await createAuthnAuthz({ audit: false }, { kubeConfig: operatorKc });
    const targets = [
      ['GET', '/metrics'],
      ['GET', '/debug/pprof/heap'],
      ['PUT', '/debug/flags/v'],
    ] as const;
    const PER_KEY = 50;
    const burst: Promise<unknown>[] = [];
    for (let i = 0; i < PER_KEY; i++) {
      for (const token of tokens) {
        for (const [method, url] of targets) {
          burst.push(
            Promise.resolve(cold.decide({ method, url, headers: { authorization: `Bearer ${token}` } })),
          );
        }
      }
    }
    const decisions = (await Promise.all(burst)) as { status: number }[];
    const allowed = decisions.filter((d) => d.status === 200).length;
    await cold.close();
    await filter.close();
    const user = `system:serviceaccount:${ids.ns}:${operatorSa}`;
    const countCalls = async () => {
      const ev = (await cp.readAuditEvents()).filter(
        (e) => e.user.username === user && e.stage === 'ResponseComplete',
      );
      return {
        tr: ev.filter((e) => e.objectRef?.resource === 'tokenreviews').length,
        sar: ev.filter((e) => e.objectRef?.resource === 'subjectaccessreviews').length,
      };
    };
    let calls = await countCalls();
    const uniqueTokens = tokens.length;
    const uniqueKeys = tokens.length * targets.length;
    for (let i = 0; i < 50 && calls.tr + calls.sar < uniqueTokens + uniqueKeys; i++) {
      await new Promise((r) => setTimeout(r, 100));
      calls = await countCalls();
    }
    await new Promise((r) => setTimeout(r, 500));
    calls = await countCalls();

    const rows = [
      `| Metric | Value | Expected |`,
      `|---|---|---|`,
      `| cache hit: decision core (\`decide\`, sync) | ${decideUs.toFixed(2)} µs | |`,
      `| cache hit: whole node:http filter wrapper, no-op handler | ${filterUs.toFixed(2)} µs | |`,
      `| cold burst: ${decisions.length} requests = ${PER_KEY} × ${uniqueTokens} tokens × ${targets.length} (path, verb); allowed | ${allowed}/${decisions.length} | all |`,
      `| TokenReviews per unique token (apiserver audit log) | ${(calls.tr / uniqueTokens).toFixed(2)} (${calls.tr}/${uniqueTokens}) | 1 |`,
      `| SubjectAccessReviews per unique (token, path, verb) (apiserver audit log) | ${(calls.sar / uniqueKeys).toFixed(2)} (${calls.sar}/${uniqueKeys}) | 1 |`,
    ];
    const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
    process.stdout.write(
      `## @kubediag/authn-authz-filter benchmark\n\n${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} cores (${cpuModel}) · kube-apiserver from envtest · ${((Date.now() - t0) / 1000).toFixed(0)} s\n\n${scenarioRows(scenarios).join('\n')}\n\n${rows.join('\n')}\n\nRounds (req/s):\n${scenarioRounds(scenarios).join('\n')}\n`,
    );
  } finally {
    await cp.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
