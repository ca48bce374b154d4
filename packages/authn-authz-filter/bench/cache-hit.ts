/*
 * The filter's hot path alone, without a cluster: the per-request cost of a cache hit in the decision
 * core (`decide`) and in the whole node:http wrapper, with an in-process review client standing in for
 * the apiserver (a cache hit never reaches it). The same two figures as the first rows of bench/run.ts,
 * for measuring a change to the hot path in seconds rather than with a control plane.
 *
 * Metrics on (a prom-client registry), a klog logger at the operator default -v=2, default options but
 * day-long TTLs, a ~1 KB token as ServiceAccount tokens are. Prints the median and the spread of ROUNDS
 * rounds of the process's CPU time per request (wall time also counts the time other processes hold the
 * cores). It runs the TypeScript sources through the tsx loader, which costs a little per request
 * (≈0.15 µs here) against the compiled package that run.ts measures: compare its figures with its own
 * earlier runs.
 * Run: pnpm --filter @kubediag/authn-authz-filter bench:cache-hit
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Registry } from 'prom-client';
import { createLogger } from '@kubediag/klog';
import { createAuthnAuthz } from '../src/authn-authz.ts';
import { filterWith } from '../src/filter.ts';
import type { ReviewClient } from '../src/review-client.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const N = Number(process.env['BENCH_REQUESTS'] ?? 200_000);

const quiet = createLogger({ verbosity: 2, output: { write: () => true } });
const token = randomBytes(768).toString('base64url');
const authorization = `Bearer ${token}`;

const apiserver: ReviewClient = {
  tokenReview: async () => ({
    authenticated: true,
    user: {
      username: 'system:serviceaccount:monitoring:prometheus',
      uid: '6f1c1b2e-0d1c-4f5e-9a55-0b1c2d3e4f50',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:monitoring'],
    },
  }),
  subjectAccessReview: async () => ({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding' }),
};

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// CPU time, not wall time: on a shared machine the process is descheduled, and wall time counts that.
function perRequestUs(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / N;
}

async function main(): Promise<void> {
  const core = await createAuthnAuthz(
    // TTLs of a day: a long run must not see an entry expire (the TTL does not change a hit's cost).
    { reviewClient: apiserver, tokenCacheTTLMs: 86_400_000, allowedTTLMs: 86_400_000 },
    { logger: quiet, registry: new Registry() },
  );
  const attrs = { method: 'GET', url: '/metrics', headers: { authorization }, remoteAddress: '127.0.0.1' };
  const first = await core.decide(attrs);
  if (first.status !== 200) throw new Error(`warm-up answered ${first.status}`);

  const wrapped = filterWith(core, quiet, () => {});
  const fakeRes = { once: () => fakeRes, statusCode: 200 } as unknown as http.ServerResponse;
  // What Prometheus sends, in its spelling; the filter removes the credential, so it is put back.
  const reqs = Array.from(
    { length: 1000 },
    () =>
      ({
        method: 'GET',
        url: '/metrics',
        rawHeaders: ['Host', '127.0.0.1:8443', 'User-Agent', 'Prometheus/3.5.0', 'Accept', '*/*'],
        socket: { remoteAddress: '127.0.0.1' },
      }) as unknown as http.IncomingMessage,
  );

  const decide = (): void => {
    for (let i = 0; i < N; i++) {
      if (core.decide(attrs) instanceof Promise) throw new Error('cache miss on the hot path');
    }
  };
  const filter = (): void => {
    for (let i = 0; i < N; i++) {
      const r = reqs[i % 1000]!;
      r.rawHeaders.push('Authorization', authorization);
      void wrapped(r, fakeRes);
    }
  };
  decide(); // warm-up: let the optimising compiler settle
  filter();
  const decideUs: number[] = [];
  const filterUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    decideUs.push(perRequestUs(decide));
    filterUs.push(perRequestUs(filter));
  }
  await core.close();

  const row = (name: string, xs: readonly number[]) =>
    `| ${name} | ${median(xs).toFixed(2)} µs | ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} µs |`;
  process.stdout.write(
    [
      `node ${process.version} · ${os.cpus().length} cores · load ${os.loadavg()[0]!.toFixed(1)} · ${ROUNDS} rounds × ${N}`,
      '',
      '| Cache hit, CPU time per request | median | range |',
      '|---|---|---|',
      row('decision core (`decide`, sync)', decideUs),
      row('whole node:http filter wrapper, no-op handler', filterUs),
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
