import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer, type DiagnosticsServerOptions } from '../src/index.ts';
import { resolveDiagnosticsServerOptions } from '../src/options.ts';
import { routeTable } from '../src/route-table.ts';
import { call } from './support/http-client.ts';

const noop = (): void => undefined;
/** The table with every built-in route mounted: each path some options can serve. */
const EVERY_BUILTIN = routeTable(resolveDiagnosticsServerOptions({ filterProvider: null })).map(
  (r) => r.pattern,
);

describe.each<[string, DiagnosticsServerOptions]>([
  ['secure', { filterProvider: null }],
  ['insecure', { secureServing: false }],
  ['secure without pprof and zpages', { filterProvider: null, pprofHandler: null, zpages: false }],
  ['without health probes', { filterProvider: null, healthProbes: false }],
])('unit: one route table for routing and for extra handlers (%s)', (_name, options) => {
  const table = routeTable(resolveDiagnosticsServerOptions(options)).map((r) => r.pattern);

  it.each(table)('refuses an extra handler on %s, a path of the table', (pattern) => {
    expect(() => createDiagnosticsServer({ ...options, extraHandlers: { [pattern]: noop } })).toThrow(
      expect.objectContaining({
        code: pattern === '/metrics' ? 'KDIAG_SERVER_BUILTIN_OVERRIDE' : 'KDIAG_SERVER_DUPLICATE_PATH',
      }),
    );
  });

  it('accepts extra handlers on the built-in paths these options leave free', () => {
    const free = EVERY_BUILTIN.filter((p) => !table.includes(p));
    const extraHandlers = Object.fromEntries(free.map((p) => [p, noop]));
    expect(() => createDiagnosticsServer({ ...options, extraHandlers })).not.toThrow();
  });

  it('routes every path of the table, and no other built-in path', async () => {
    const server = createDiagnosticsServer({
      ...options,
      bindAddress: '127.0.0.1:0',
      logger: createDiscardLogger(),
      registry: new Registry(),
      ...(options.pprofHandler === null ? {} : { pprofHandler: (_req, res) => void res.end('pprof\n') }),
    });
    await server.start();
    try {
      for (const path of EVERY_BUILTIN) {
        const { status } = await call(server, { path });
        if (table.includes(path)) expect([path, status]).not.toEqual([path, 404]);
        else expect([path, status]).toEqual([path, 404]);
      }
    } finally {
      await server.stop(1000);
    }
  });
});
