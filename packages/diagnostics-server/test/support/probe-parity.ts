import { expect } from 'vitest';
import type { IncomingMessage } from 'node:http';
import type { DiagnosticsServer } from '../../src/index.ts';
import { call, type Reply } from './http-client.ts';

/** Probes of every form: aggregate, verbose, one check, unknown check, exclusions, methods, unclean path. */
const PROBES = [
  ['GET', '/healthz'],
  ['GET', '/healthz?verbose'],
  ['GET', '/healthz/loop'],
  ['GET', '/livez'],
  ['GET', '/livez/ping'],
  ['GET', '/readyz'],
  ['GET', '/readyz/'],
  ['GET', '/readyz/db'],
  ['GET', '/readyz/unknown'],
  ['GET', '/readyz?exclude=db&exclude=nope&verbose'],
  ['HEAD', '/readyz'],
  ['OPTIONS', '/healthz'],
  ['POST', '/healthz'],
  ['GET', '//healthz'],
] as const;

/** What must be the same in two answers to a probe. */
function shape(r: Reply): unknown[] {
  return [
    r.status,
    r.body,
    r.headers['content-type'],
    r.headers['content-length'],
    r.headers.allow,
    r.headers.location,
  ];
}

/**
 * Adds checks of every outcome to `server` (readyz `alpha` ok and `db` failing, healthz `loop`), then
 * sends every probe form to both the diagnostics port and the probe listener at `probes` and expects
 * the same answers. `onLoop` sees the request the `loop` check is handed.
 */
export async function expectProbeParity(
  server: DiagnosticsServer,
  probes: string,
  onLoop: (req: IncomingMessage) => void = () => undefined,
): Promise<void> {
  server.addReadyzCheck('alpha', () => undefined);
  server.addReadyzCheck('db', () => {
    throw new Error('connection refused');
  });
  server.addHealthzCheck('loop', async (req) => onLoop(req));
  for (const [method, path] of PROBES) {
    const [port, probe] = await Promise.all([
      call(server, { method, path }),
      call(probes, { method, path, headers: { 'x-probe': 'kubelet' } }),
    ]);
    expect(shape(probe), `${method} ${path}`).toEqual(shape(port));
  }
}
