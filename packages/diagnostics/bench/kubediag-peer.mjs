// The kubediag side of the controller-runtime comparison, in its own process like the Go peer:
// withDiagnostics() with its defaults (secure port, Kubernetes filter, prom-client's default
// metrics), the operator's identity taken from KUBECONFIG. Plain JavaScript against the built
// packages (dist/), as an operator runs it: no TypeScript loader thread in the measured memory.
//
// Besides /metrics it serves /ok, a trivial handler ("ok\n") behind the same filter, as the Go peer does.
// Env: BENCH_STALE_IF_ERROR_GRACE_MS overrides auth.staleIfErrorGraceMs (outage sensitivity runs);
// BENCH_FILTER=off serves the secure port without authentication (the baseline of the filter's cost).
// Prints "serving https://HOST:PORT" on stdout once listening; stops on SIGTERM.
import { withDiagnostics } from '@kubediag/diagnostics';

const grace = process.env['BENCH_STALE_IF_ERROR_GRACE_MS'];
const unfiltered = process.env['BENCH_FILTER'] === 'off';
const ok = (_req, res) => {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('ok\n');
};
const diag = await withDiagnostics({
  name: 'bench-operator',
  server: {
    bindAddress: '127.0.0.1:0',
    extraHandlers: { '/ok': ok },
    // Every client of the bench is 127.0.0.1, the cold burst opens 200 connections at once, and
    // controller-runtime caps nothing per source: the default cap of 32 per source would refuse most.
    maxConnectionsPerSource: 1024,
  },
  ...(grace === undefined ? {} : { auth: { staleIfErrorGraceMs: Number(grace) } }),
  // A filter that lets everything through: controller-runtime's FilterProvider left nil.
  ...(unfiltered ? { filterProvider: () => (_log, handler) => handler } : {}),
});
await diag.start();
process.stdout.write(`serving ${diag.server.url}\n`);
process.once('SIGTERM', () => {
  void diag.stop().then(() => process.exit(0));
});
