/**
 * One cold measurement in a fresh process (spawned by run.ts): modules are loaded first (not timed),
 * then the clock runs from creating the server to the first served HTTPS response.
 * argv[2]: 'ours' (createDiagnosticsServer with a generated certificate) or 'bare' (https.createServer
 * with a certificate generated before the clock starts).
 */
import { Agent, createServer, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer } from '../src/index.ts';
import { generateSelfSignedCertificate } from '../src/self-signed.ts';

function first(url: string): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: '/healthz',
        agent: new Agent({ keepAlive: false }),
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        res.once('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.once('error', reject);
    req.end();
  });
}

const mode = process.argv[2];
let elapsed: number;
if (mode === 'ours') {
  const registry = new Registry();
  const logger = createDiscardLogger();
  const t0 = performance.now();
  const server = createDiagnosticsServer({
    bindAddress: '127.0.0.1:0',
    logger,
    registry,
    filterProvider: null,
    pprofHandler: null,
  });
  await server.start();
  await first(server.url!);
  elapsed = performance.now() - t0;
  await server.stop(100);
} else {
  const pem = generateSelfSignedCertificate();
  const t0 = performance.now();
  const srv = createServer({ cert: pem.certPem, key: pem.keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  await first(`https://127.0.0.1:${addr.port}`);
  elapsed = performance.now() - t0;
  await new Promise<void>((r) => srv.close(() => r()));
}
process.stdout.write(`${elapsed}\n`);
