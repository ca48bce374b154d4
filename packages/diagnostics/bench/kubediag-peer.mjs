// The kubediag side of the controller-runtime comparison, in its own process like the Go peer:
// withDiagnostics() with its defaults (secure port, Kubernetes filter, prom-client's default
// metrics), the operator's identity taken from KUBECONFIG. Plain JavaScript against the built
// packages (dist/), as an operator runs it: no TypeScript loader thread in the measured memory.
//
// Env: BENCH_STALE_IF_ERROR_GRACE_MS overrides auth.staleIfErrorGraceMs (outage sensitivity runs).
// Prints "serving https://HOST:PORT" on stdout once listening; stops on SIGTERM.
import { withDiagnostics } from '@kubediag/diagnostics';

const grace = process.env['BENCH_STALE_IF_ERROR_GRACE_MS'];
const diag = await withDiagnostics({
  name: 'bench-operator',
  server: { bindAddress: '127.0.0.1:0' },
  ...(grace === undefined ? {} : { auth: { staleIfErrorGraceMs: Number(grace) } }),
});
await diag.start();
process.stdout.write(`serving ${diag.server.url}\n`);
process.once('SIGTERM', () => {
  void diag.stop().then(() => process.exit(0));
});
