// The kubediag side of bench/filter-hit.ts, in its own process like the Go peer's --filter-hits:
// withAuthenticationAndAuthorization() built from the built package (dist/) as withDiagnostics builds
// it (a klog logger at -v=2, a prom-client registry, the operator's KubeConfig from KUBECONFIG). One
// request goes to the apiserver (a TokenReview and a SubjectAccessReview fill both caches); then each
// round calls the filtered no-op handler BENCH_HITS times with the token and prints one JSON line:
// the process's CPU time and the wall time per call.
// Usage: node filter-hit-peer.mjs TOKEN_FILE   (env BENCH_HITS, BENCH_HIT_ROUNDS)
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import { createLogger } from '@kubediag/klog';

const hits = Number(process.env['BENCH_HITS'] ?? 100_000);
const rounds = Number(process.env['BENCH_HIT_ROUNDS'] ?? 1);
const authorization = `Bearer ${readFileSync(process.argv[2], 'utf8').trim()}`;

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const logger = createLogger({ verbosity: 2, output: { write: () => true } });
const { filter, close } = await withAuthenticationAndAuthorization()({
  logger,
  registry: new Registry(),
  kubeConfig,
});
let handled = 0;
const filtered = filter(logger, () => {
  handled++;
});
// The cheapest response there is: the filter's cost alone is measured (it writes nothing on an allow).
const res = { once: () => res, statusCode: 200 };
// What Prometheus sends, as node:http parses it; the filter removes the credential from the request
// it lets through, so it is put back before each call (as the Go peer does). A thousand requests in
// turn, as a server sees many.
const requests = Array.from({ length: 1000 }, () => ({
  method: 'GET',
  url: '/metrics',
  rawHeaders: ['Host', '127.0.0.1:8443', 'User-Agent', 'Prometheus/3.5.0', 'Accept', '*/*'],
  socket: { remoteAddress: '127.0.0.1' },
}));
const call = (i) => {
  const req = requests[i % 1000];
  req.rawHeaders.push('Authorization', authorization);
  return filtered(req, res);
};

await call(0);
if (handled !== 1) throw new Error('the warm-up request was refused: the token must be allowed GET /metrics');
for (let i = 0; i < hits; i++) call(i); // let the optimising compiler settle
await new Promise((r) => setImmediate(r));
for (let round = 0; round < rounds; round++) {
  handled = 0;
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  for (let i = 0; i < hits; i++) call(i);
  // A hit never waits: every call must have reached the handler before the loop ended.
  const synchronous = handled;
  const elapsedWall = Number(process.hrtime.bigint() - wall);
  const { user, system } = process.cpuUsage(cpu);
  if (synchronous !== hits)
    throw new Error(
      `${synchronous} of ${hits} calls reached the handler at once: a cache entry expired or a review ran`,
    );
  process.stdout.write(
    `${JSON.stringify({ cpuNsPerHit: ((user + system) * 1000) / hits, wallNsPerHit: elapsedWall / hits })}\n`,
  );
}
await close();
