/*
 * Benchmarks of @kubediag/authn-authz-filter against a REAL kube-apiserver (envtest):
 *  1. requests/s of a small node:http handler behind the filter (warm caches) vs the same server
 *     without it, measured by autocannon in a separate process, alternating rounds;
 *  2. per-request overhead of a cache hit: the decision core alone, and the whole filter wrapper;
 *  3. apiserver calls per unique (token, path, verb) in a cold concurrent burst, counted in the
 *     apiserver's own audit log.
 * Prints a Markdown table. Run: pnpm --filter @kubediag/authn-authz-filter bench
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import {
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createServiceAccount,
  createToken,
  startControlPlane,
} from '@kubediag/envtest';
import { createAuthnAuthz, filterWith } from '../src/index.ts';
import { withAuthenticationAndAuthorization } from '../src/index.ts';
import { setupDiagnosticsIdentities, tokenKubeConfig } from '@kubediag/envtest';
import { createLogger } from '@kubediag/klog';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const autocannonBin = join(here, '..', 'node_modules', '.bin', 'autocannon');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 6);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const CONNECTIONS = 32;

// An operator's logger at the default -v=2, writing nowhere.
const quiet = createLogger({ verbosity: 2, output: { write: () => true } });
const handler = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('ok\n');
};

async function listen(
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>,
) {
  const server = http.createServer((req, res) => void listener(req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/**
 * One autocannon run (a separate process) against a server in this process. Besides requests/s it
 * returns this process's CPU time per request served: on a shared, loaded machine wall-clock
 * throughput swings with the neighbours, CPU per request much less.
 */
async function autocannon(
  url: string,
  headers: Record<string, string>,
): Promise<{ rps: number; p99: number; non2xx: number; cpuUsPerReq: number }> {
  const args = ['-j', '-c', String(CONNECTIONS), '-d', String(SECONDS)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const cpu0 = process.cpuUsage();
  const { stdout } = await run(autocannonBin, args, { maxBuffer: 16 << 20 });
  const cpu = process.cpuUsage(cpu0);
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p99: number };
    non2xx: number;
  };
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    cpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, r.requests.total),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const t0 = Date.now();
  const cp = await startControlPlane({ auditLog: true });
  try {
    const ids = await setupDiagnosticsIdentities(cp, 'bench');
    const auth = { Authorization: `Bearer ${ids.readerToken}` };

    // 1. Throughput, warm caches.
    // Metrics on, as in an operator; audit records at their default V(4), off at the logger's -v=0.
    const filter = await withAuthenticationAndAuthorization()({
      logger: quiet,
      registry: new Registry(),
      kubeConfig: ids.operatorKc,
    });
    const plain = await listen(handler);
    const filtered = await listen(filter(quiet, handler));
    const warm = await fetch(filtered.url, { headers: auth });
    if (warm.status !== 200) throw new Error(`warm-up request answered ${warm.status}`);
    const base: number[] = [];
    const withFilter: number[] = [];
    const p99: { base: number[]; filter: number[] } = { base: [], filter: [] };
    // Paired rounds in ABBA order, so drift in the machine's load hits both sides alike; the ratio
    // reported is the median of the per-pair ratios.
    const pairRatios: number[] = [];
    const cpu: { base: number[]; filter: number[] } = { base: [], filter: [] };
    for (let i = 0; i < ROUNDS; i++) {
      const baseFirst = i % 2 === 0;
      const first = await autocannon(baseFirst ? plain.url : filtered.url, auth);
      const second = await autocannon(baseFirst ? filtered.url : plain.url, auth);
      const [a, b] = baseFirst ? [first, second] : [second, first];
      if (b.non2xx > 0) throw new Error(`filtered server answered ${b.non2xx} non-2xx responses`);
      base.push(a.rps);
      withFilter.push(b.rps);
      p99.base.push(a.p99);
      p99.filter.push(b.p99);
      pairRatios.push(b.rps / a.rps);
      cpu.base.push(a.cpuUsPerReq);
      cpu.filter.push(b.cpuUsPerReq);
    }
    await plain.close();
    await filtered.close();

    // 2. Per-request cost of a cache hit.
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
    // The whole node:http wrapper (attributes, header removal, user WeakMap) with a no-op handler.
    const wrapped = filterWith(core, quiet, () => {});
    const fakeRes = { once: () => fakeRes, statusCode: 200 } as unknown as http.ServerResponse;
    const mkReq = () =>
      ({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: auth.Authorization },
        rawHeaders: [] as string[],
        socket: { remoteAddress: '127.0.0.1' },
      }) as unknown as http.IncomingMessage;
    const reqs = Array.from({ length: 1000 }, mkReq);
    t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const r = reqs[i % 1000]!;
      r.rawHeaders.push('Authorization', auth.Authorization); // the filter removed it last time
      void wrapped(r, fakeRes);
    }
    const filterUs = Number(process.hrtime.bigint() - t) / N / 1000;
    core.close();

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
    cold.close();
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

    const b = median(base);
    const f = median(withFilter);
    const perReqUs = (1 / f - 1 / b) * 1e6;
    const rows = [
      `| Metric | Without filter (anchor) | With filter | Ratio |`,
      `|---|---|---|---|`,
      `| requests/s, warm caches (median of ${ROUNDS} paired ABBA rounds × ${SECONDS}s, ${CONNECTIONS} conns) | ${b.toFixed(0)} | ${f.toFixed(0)} | ${median(pairRatios).toFixed(3)}x median pair ratio (target ≥ 0.9x) |`,
      `| server CPU per request, µs (median) | ${median(cpu.base).toFixed(1)} | ${median(cpu.filter).toFixed(1)} | ${(median(cpu.base) / median(cpu.filter)).toFixed(3)}x CPU-bound throughput ratio |`,
      `| p99 latency ms (median) | ${median(p99.base)} | ${median(p99.filter)} | |`,
      `| per-request overhead from throughput (1/rps_f − 1/rps_b) | | ${perReqUs.toFixed(1)} µs | |`,
      `| cache hit: decision core (\`decide\`, sync) | | ${decideUs.toFixed(2)} µs | |`,
      `| cache hit: whole node:http filter wrapper, no-op handler | | ${filterUs.toFixed(2)} µs | |`,
      `| cold burst: ${decisions.length} requests = ${PER_KEY} × ${uniqueTokens} tokens × ${targets.length} (path, verb); allowed | | ${allowed}/${decisions.length} | |`,
      `| TokenReviews per unique token (apiserver audit log) | | ${(calls.tr / uniqueTokens).toFixed(2)} (${calls.tr}/${uniqueTokens}) | expected 1 |`,
      `| SubjectAccessReviews per unique (token, path, verb) (apiserver audit log) | | ${(calls.sar / uniqueKeys).toFixed(2)} (${calls.sar}/${uniqueKeys}) | expected 1 |`,
    ];
    const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
    process.stdout.write(
      `## @kubediag/authn-authz-filter benchmark\n\n${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} cores (${cpuModel}) · kube-apiserver from envtest · ${((Date.now() - t0) / 1000).toFixed(0)} s\n\n${rows.join('\n')}\n\nrounds (req/s): without ${base.map((x) => x.toFixed(0)).join(', ')}; with ${withFilter.map((x) => x.toFixed(0)).join(', ')}; pair ratios ${pairRatios.map((x) => x.toFixed(2)).join(', ')}\n`,
    );
  } finally {
    await cp.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
