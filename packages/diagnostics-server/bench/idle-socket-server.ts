/**
 * The server side of idle-socket-memory.ts, in a process of its own so that its memory is the
 * server's alone: a secure diagnostics server and its probe listener with every bound lifted (the
 * benchmark holds thousands of connections for minutes). Prints `{"url","probes"}` on stdout; on the
 * IPC message 'measure' collects garbage twice and answers process.memoryUsage().
 */
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer } from '../src/index.ts';

const LONG_MS = 600_000;
const MANY = 1_000_000;

const server = createDiagnosticsServer({
  bindAddress: '127.0.0.1:0',
  filterProvider: null,
  registry: new Registry(),
  logger: createDiscardLogger(),
  pprofHandler: null,
  maxConnections: MANY,
  maxConnectionsPerSource: MANY,
  tlsHandshakeTimeoutMs: LONG_MS,
  unauthenticatedHeadersTimeoutMs: LONG_MS,
  headersTimeoutMs: LONG_MS,
  idleTimeoutMs: LONG_MS,
  requestTimeoutMs: 2 * LONG_MS,
  healthProbeBindAddress: '127.0.0.1:0',
  healthProbeMaxConnections: MANY,
  healthProbeMaxConnectionsPerSource: MANY,
  healthProbeTimeoutMs: LONG_MS,
});
await server.start();
process.stdout.write(`${JSON.stringify({ url: server.url, probes: server.healthProbeUrl })}\n`);

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (m) => {
  if (m !== 'measure') return;
  gc?.();
  gc?.();
  process.send?.(process.memoryUsage());
});
process.once('disconnect', () => void server.stop(0).then(() => process.exit(0)));
