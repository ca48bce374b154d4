// A fresh process that starts a secure diagnostics port with a generated certificate, serves one
// /metrics, and then writes a heap snapshot to the path given: the test looks in it for Node's
// bundled root certificates, which `tls.rootCertificates` parses into strings kept for the process's
// life once anything reads it (an ESM import of node:tls does, to build the module's facade).
import { writeHeapSnapshot } from 'node:v8';
import { request } from 'node:https';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer } from '../../src/index.ts';

const server = createDiagnosticsServer({
  bindAddress: '127.0.0.1:0',
  registry: new Registry(),
  logger: createDiscardLogger(),
  filterProvider: () => (_log, handler) => handler,
});
await server.start();
await new Promise<void>((resolve, reject) => {
  request(`${server.url}/metrics`, { rejectUnauthorized: false }, (res) => {
    res.resume();
    res.once('end', () => resolve());
  })
    .once('error', reject)
    .end();
});
await server.stop(1000);
writeHeapSnapshot(process.argv[2]);
