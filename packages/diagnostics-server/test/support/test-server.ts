import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import {
  createDiagnosticsServer,
  type DiagnosticsServer,
  type DiagnosticsServerOptions,
  type Filter,
  type FilterProvider,
} from '../../src/index.ts';

/** What the fake filter saw, in order. */
export interface FilterRecord {
  path: string;
  verb: string;
  user: string | undefined;
}

/**
 * A fake filter with the contract's shape: `Bearer good` is allowed, `Bearer bad` denied (403, the
 * controller-runtime text), no token 401. It records the path it decided on, so tests can compare it with
 * what the handler saw.
 */
export function fakeFilter(records: FilterRecord[] = []): {
  provider: FilterProvider;
  records: FilterRecord[];
} {
  const filter: Filter = (_log, handler) => (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const verb = (req.method ?? '').toLowerCase();
    const auth = req.headers.authorization;
    const user = auth === 'Bearer good' ? 'alice' : auth === 'Bearer bad' ? 'bob' : undefined;
    records.push({ path, verb, user });
    delete req.headers.authorization;
    if (user === undefined) {
      res.statusCode = 401;
      res.end('Unauthorized\n');
      return;
    }
    if (user === 'bob') {
      res.statusCode = 403;
      res.end(`Authorization denied for user ${user}\n`);
      return;
    }
    return handler(req, res);
  };
  return { provider: () => filter, records };
}

export const GOOD = { Authorization: 'Bearer good' };

/** A started server on 127.0.0.1:0 with a discard logger; stopped by the returned function. */
export async function startServer(
  options: DiagnosticsServerOptions = {},
): Promise<{ server: DiagnosticsServer; records: FilterRecord[]; stop: () => Promise<void> }> {
  const { provider, records } = fakeFilter();
  const server = createDiagnosticsServer({
    bindAddress: '127.0.0.1:0',
    logger: createDiscardLogger(),
    filterProvider: provider,
    pprofHandler: (req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`pprof ${req.url}\n`);
    },
    ...options,
  });
  await server.start();
  return { server, records, stop: () => server.stop(1000) };
}

/** The fake filter's two refusals: the raw header line that earns each, and its status. */
export const REFUSALS = [
  { name: 'without a token', header: '', status: 401 },
  { name: 'denied', header: 'Authorization: Bearer bad\r\n', status: 403 },
] as const;

/**
 * A server (with a registry of its own) started before the tests of the enclosing `describe` and
 * stopped after them; `server` is set once they run.
 */
export function serverForAll(options: DiagnosticsServerOptions = {}): { readonly server: DiagnosticsServer } {
  const started: { server: DiagnosticsServer } = { server: undefined as never };
  let stop: () => Promise<void> = () => Promise.resolve();
  beforeAll(async () => {
    ({ server: started.server, stop } = await startServer({ registry: new Registry(), ...options }));
  });
  afterAll(() => stop());
  return started;
}
