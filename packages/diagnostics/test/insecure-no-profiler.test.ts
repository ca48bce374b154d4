import { get } from 'node:http';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Pprof from '@kubediag/pprof';
import type { DiagnosticsOptions } from '../src/index.ts';

// Spy on the pprof handler factory: a handler that starts the heap sampler (a cost on every
// allocation) on an insecure port that serves no pprof pays for profiles nobody can fetch.
const created = vi.hoisted(() => ({ options: [] as unknown[] }));
vi.mock('@kubediag/pprof', async (importOriginal) => {
  const real = await importOriginal<typeof Pprof>();
  return {
    ...real,
    createPprofHandler: (...args: Parameters<typeof real.createPprofHandler>) => {
      created.options.push(args[0]);
      return real.createPprofHandler(...args);
    },
  };
});

const { withDiagnostics } = await import('../src/index.ts');
type Running = Awaited<ReturnType<typeof withDiagnostics>>;

function status(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(new URL(path, url), { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('profiling and the transport', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    created.options = [];
  });

  const start = async (secureServing: boolean, extra: DiagnosticsOptions = {}): Promise<Running> => {
    const out = new PassThrough();
    out.resume();
    running = await withDiagnostics({
      server: { bindAddress: '127.0.0.1:0', secureServing },
      logging: { output: out },
      metrics: { registry: new Registry(), defaultMetrics: false },
      // Secure mode needs a filter; a static one keeps this test off the apiserver.
      ...(secureServing ? { staticAuth: { tokens: 't,u,1,' } } : {}),
      ...extra,
    });
    return running;
  };

  it('in insecure mode creates a handler for the flight recorder only: no heap sampler, nothing served', async () => {
    const d = await start(false);
    expect(d.config).toMatchObject({ profiling: false, flightRecorder: true });
    expect(created.options).toEqual([
      expect.objectContaining({ heap: expect.objectContaining({ startOnCreate: false }) }),
    ]);
    await d.start();
    expect(await status(d.server.url!, '/debug/pprof/')).toBe(404);
    expect(await status(d.server.url!, '/debug/pprof/stalls')).toBe(404);
  });

  it('creates no pprof handler at all in insecure mode with the recorder off', async () => {
    const d = await start(false, { profiling: { flightRecorder: { enabled: false } } });
    expect(d.config).toMatchObject({ profiling: false, flightRecorder: false });
    expect(created.options).toEqual([]);
  });

  it('creates one in secure mode, with the heap sampler, so the spy above would see a regression', async () => {
    const d = await start(true);
    expect(d.config).toMatchObject({ profiling: true, flightRecorder: true });
    expect(created.options).toEqual([
      expect.objectContaining({ heap: expect.objectContaining({ startOnCreate: true }) }),
    ]);
  });
});
