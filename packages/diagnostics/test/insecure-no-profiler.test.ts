import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Pprof from '@kubediag/pprof';

// Spy on the pprof handler factory: creating a handler starts the heap sampler (a cost on every
// allocation), which an insecure port that serves no pprof must not pay.
const created = vi.hoisted(() => ({ count: 0 }));
vi.mock('@kubediag/pprof', async (importOriginal) => {
  const real = await importOriginal<typeof Pprof>();
  return {
    ...real,
    createPprofHandler: (...args: Parameters<typeof real.createPprofHandler>) => {
      created.count++;
      return real.createPprofHandler(...args);
    },
  };
});

const { withDiagnostics } = await import('../src/index.ts');
type Running = Awaited<ReturnType<typeof withDiagnostics>>;

describe('profiling and the transport', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    created.count = 0;
  });

  const start = async (secureServing: boolean): Promise<Running> => {
    const out = new PassThrough();
    out.resume();
    running = await withDiagnostics({
      server: { bindAddress: '127.0.0.1:0', secureServing },
      logging: { output: out },
      metrics: { registry: new Registry(), defaultMetrics: false },
      // Secure mode needs a filter; a static one keeps this test off the apiserver.
      ...(secureServing ? { staticAuth: { tokens: 't,u,1,' } } : {}),
    });
    return running;
  };

  it('creates no pprof handler (and starts no heap sampler) in insecure mode', async () => {
    const d = await start(false);
    expect(d.config.profiling).toBe(false);
    expect(created.count).toBe(0);
  });

  it('creates one in secure mode, so the spy above would see a regression', async () => {
    const d = await start(true);
    expect(d.config.profiling).toBe(true);
    expect(created.count).toBe(1);
  });
});
