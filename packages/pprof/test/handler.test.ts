import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Profile } from 'pprof-format';
import {
  createPprofHandler,
  type CpuProfileRequest,
  type PprofError,
  type ProfilerBackend,
} from '@kubediag/pprof';
import { InspectorBackend } from '../src/inspector-backend.ts';
import { FakeBackend } from './support/fake-backend.ts';
import { get, serve, type Running } from './support/helpers.ts';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start<B extends ProfilerBackend = FakeBackend>(
  backend: B = new FakeBackend() as unknown as B,
  extra: Parameters<typeof createPprofHandler>[0] = {},
) {
  const r = await serve(createPprofHandler({ backend, ...extra }));
  running.push(r);
  return { ...r, backend };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

function expectGoError(reply: Awaited<ReturnType<typeof get>>, status: number, text: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body.toString()).toBe(`${text}\n`);
  expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers['x-go-pprof']).toBe('1');
  expect(reply.headers['content-disposition']).toBeUndefined();
}

describe('unit: pprof handler index', () => {
  it('lists each profile sorted with counts, ?debug=1 links, the goroutine?debug=2 link and descriptions', async () => {
    const { base } = await start();
    const reply = await get(`${base}/debug/pprof/`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = reply.body.toString();
    const names = [...html.matchAll(/<td><a href='(\w+)\?debug=1'>(\w+)<\/a><\/td>/g)].map((m) => m[2]);
    expect(names).toEqual(['allocs', 'cmdline', 'goroutine', 'heap', 'profile']);
    expect(html).toMatch(/<tr><td>[1-9]\d*<\/td><td><a href='goroutine\?debug=1'>/);
    expect(html).toContain('<a href="goroutine?debug=2">full goroutine stack dump</a>');
    expect(html).toContain(
      '<div class=profile-name>heap: </div> A sampling of memory allocations of live objects.',
    );
    expect(html).toContain('<title>/debug/pprof/</title>');
  });

  it("redirects /debug/pprof to /debug/pprof/ like Go's ServeMux", async () => {
    const { base } = await start();
    const reply = await get(`${base}/debug/pprof?x=1`);
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe('/debug/pprof/?x=1');
  });
});

describe('unit: pprof handler errors', () => {
  it('answers 404 "Unknown profile" for names Node has no equivalent for', async () => {
    const { base } = await start();
    for (const name of ['block', 'mutex', 'threadcreate', 'trace', 'symbol', 'nope', 'heap/x']) {
      expectGoError(await get(`${base}/debug/pprof/${name}`), 404, 'Unknown profile');
    }
  });

  it('answers 405 with Allow for methods other than GET and HEAD', async () => {
    const { base } = await start();
    const reply = await get(`${base}/debug/pprof/heap`, { method: 'POST' });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });

  it("gives Go's 400 texts for bad delta parameters, in Go's order", async () => {
    const { base } = await start();
    const bad = 'invalid value for "seconds" - must be a positive integer';
    expectGoError(await get(`${base}/debug/pprof/heap?seconds=0`), 400, bad);
    expectGoError(await get(`${base}/debug/pprof/heap?seconds=-3`), 400, bad);
    expectGoError(await get(`${base}/debug/pprof/allocs?seconds=1.5`), 400, bad);
    expectGoError(await get(`${base}/debug/pprof/goroutine?seconds=x&debug=1`), 400, bad);
    expectGoError(
      await get(`${base}/debug/pprof/goroutine?seconds=5`),
      400,
      '"seconds" parameter is not supported for this profile type',
    );
    expectGoError(
      await get(`${base}/debug/pprof/heap?seconds=5&debug=1`),
      400,
      'seconds and debug params are incompatible',
    );
  });

  it('answers 400 when seconds exceeds the configured maximum', async () => {
    const { base, backend } = await start(new FakeBackend(), { cpu: { maxSeconds: 60 } });
    expectGoError(
      await get(`${base}/debug/pprof/profile?seconds=61`),
      400,
      "profile duration exceeds the server's maximum of 60 seconds",
    );
    expect(backend.requests).toHaveLength(0);
  });
});

describe('unit: cpu profile endpoint', () => {
  it('parses seconds like Go: integer, invalid or <=0 means 30', async () => {
    const { base, backend } = await start();
    const cases: [string, number][] = [
      ['', 30_000],
      ['?seconds=7', 7_000],
      ['?seconds=0', 30_000],
      ['?seconds=-1', 30_000],
      ['?seconds=2.5', 30_000],
      ['?seconds=abc', 30_000],
      ['?seconds=%2B4', 4_000],
    ];
    for (const [query, ms] of cases) {
      const pending = get(`${base}/debug/pprof/profile${query}`);
      await until(() => backend.requests.length > 0);
      expect(backend.requests.pop()?.durationMs).toBe(ms);
      backend.finish();
      const reply = await pending;
      expect(reply.status).toBe(200);
    }
  });

  it("serves a gzipped pprof with Go's headers", async () => {
    const { base, backend } = await start();
    const pending = get(`${base}/debug/pprof/profile?seconds=1`);
    await until(() => backend.requests.length > 0);
    expect(backend.requests[0]?.samplingIntervalMicros).toBe(10_000);
    backend.finish();
    const reply = await pending;
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(reply.headers['content-disposition']).toBe('attachment; filename="profile"');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(Profile.decode(gunzipSync(reply.body))).toBeInstanceOf(Profile);
  });

  it("refuses a second concurrent CPU profile with Go's 500 text", async () => {
    const { base, backend } = await start();
    const first = get(`${base}/debug/pprof/profile?seconds=5`);
    await until(() => backend.requests.length === 1);
    expectGoError(
      await get(`${base}/debug/pprof/profile?seconds=5`),
      500,
      'Could not enable CPU profiling: cpu profiling already in use',
    );
    expect(backend.requests).toHaveLength(1);
    backend.finish();
    expect((await first).status).toBe(200);
  });

  it('aborts the profile when the client disconnects and frees the lock for the next request', async () => {
    const { base, backend } = await start();
    const controller = new AbortController();
    const first = get(`${base}/debug/pprof/profile?seconds=30`, { signal: controller.signal });
    await until(() => backend.requests.length === 1);
    controller.abort();
    await expect(first).rejects.toThrow();
    await until(() => backend.aborts === 1);
    expect(backend.requests[0]?.signal?.aborted).toBe(true);
    const second = get(`${base}/debug/pprof/profile?seconds=1`);
    await until(() => backend.requests.length === 2);
    backend.finish();
    expect((await second).status).toBe(200);
  });

  it('stops the real V8 profiler when the client disconnects, then serves the next profile', async () => {
    const inner = new InspectorBackend();
    const outcomes: string[] = [];
    // Delegates to the real inspector backend and records how each CPU profile ended.
    const backend: ProfilerBackend = {
      name: 'recording-inspector',
      collectCpuProfile: (r: CpuProfileRequest) =>
        inner.collectCpuProfile(r).then(
          (p) => (outcomes.push('ok'), p),
          (e: unknown) => {
            outcomes.push((e as PprofError).code);
            throw e;
          },
        ),
      startHeapSampling: (r) => inner.startHeapSampling(r),
      collectHeapProfile: (r) => inner.collectHeapProfile(r),
      stopHeapSampling: () => inner.stopHeapSampling(),
      close: () => inner.close(),
    };
    const { base } = await start(backend, { heap: { startOnCreate: false } });
    const controller = new AbortController();
    const first = get(`${base}/debug/pprof/profile?seconds=30`, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await expect(first).rejects.toThrow();
    // The inspector backend rejects only after Profiler.stop and Profiler.disable returned: V8 has dropped
    // the samples and nothing keeps the profile.
    await until(() => outcomes.length === 1);
    expect(outcomes).toEqual(['KDIAG_PPROF_ABORTED']);
    const second = await get(`${base}/debug/pprof/profile?seconds=1`);
    expect(second.status).toBe(200);
    expect(outcomes).toEqual(['KDIAG_PPROF_ABORTED', 'ok']);
    await inner.close();
  });
});

describe('unit: other endpoints', () => {
  it('serves cmdline as argv joined by NUL', async () => {
    const { base } = await start();
    const reply = await get(`${base}/debug/pprof/cmdline`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.body.toString()).toBe(process.argv.join('\0'));
  });

  it('serves goroutine debug=1 and debug=2 text and a debug=0 pprof', async () => {
    const { base } = await start();
    const d1 = (await get(`${base}/debug/pprof/goroutine?debug=1`)).body.toString();
    expect(d1).toMatch(/^goroutine profile: total \d+\n/);
    expect(d1).toMatch(/\n\d+ @ TCPServerWrap\n/);
    const d2 = await get(`${base}/debug/pprof/goroutine?debug=2`);
    expect(d2.headers['content-type']).toBe('text/plain; charset=utf-8');
    const text = d2.body.toString();
    expect(text).toContain('thread 0 [main, running this request]:');
    expect(text).toMatch(/Server listening=true address=.*"port":\d+/);
    expect(text).toMatch(/tcp \[active,ref\] local=127\.0\.0\.1:\d+/);
    expect(text).not.toMatch(/environmentVariables|PATH=/);
    const d0 = await get(`${base}/debug/pprof/goroutine`);
    expect(d0.headers['content-disposition']).toBe('attachment; filename="goroutine"');
    const p = Profile.decode(gunzipSync(d0.body));
    expect(p.stringTable.strings).toContain('goroutine');
    expect(p.stringTable.strings).toContain('thread main');
  });

  it('serves heap as pprof (debug=0) and text (debug=1) with the real inspector backend', async () => {
    const backend = new InspectorBackend();
    const { base } = await start(backend);
    const bin = await get(`${base}/debug/pprof/heap?gc=1`);
    expect(bin.headers['content-disposition']).toBe('attachment; filename="heap"');
    const p = Profile.decode(gunzipSync(bin.body));
    expect(p.stringTable.strings).toEqual(
      expect.arrayContaining(['inuse_objects', 'inuse_space', 'count', 'bytes']),
    );
    const allocs = await get(`${base}/debug/pprof/allocs`);
    expect(allocs.headers['content-disposition']).toBe('attachment; filename="allocs"');
    const text = (await get(`${base}/debug/pprof/heap?debug=1`)).body.toString();
    expect(text).toMatch(/^heap profile: \d+: \d+ \[\d+: \d+\] @ heap\/1048576\n/);
    expect(text).toContain('# HeapSizeLimit = ');
    await backend.close();
  });

  it('serves a heap delta for seconds=N as "<name>-delta"', async () => {
    const backend = new InspectorBackend();
    const { base } = await start(backend);
    const reply = await get(`${base}/debug/pprof/heap?seconds=1`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toBe('attachment; filename="heap-delta"');
    const p = Profile.decode(gunzipSync(reply.body));
    expect(Number(p.durationNanos)).toBeGreaterThanOrEqual(900_000_000);
    await backend.close();
  });

  it('starts heap sampling on creation and stops it on close', async () => {
    const backend = new FakeBackend();
    const handler = createPprofHandler({ backend });
    await until(() => backend.heapStarts === 1);
    await handler.close();
    expect(backend.heapStops).toBe(1);
  });
});

describe('unit: other inspector sessions (an attached debugger)', () => {
  it('keeps serving CPU and heap profiles while another session profiles and stops the shared heap sampler', async () => {
    const { Session } = await import('node:inspector/promises');
    const other = new Session();
    other.connect();
    const backend = new InspectorBackend();
    const { base } = await start(backend);
    try {
      await other.post('Profiler.enable');
      await other.post('Profiler.start'); // DevTools recording a CPU profile at the same time
      const cpu = await get(`${base}/debug/pprof/profile?seconds=1`);
      expect(cpu.status).toBe(200);
      const stopped = await other.post('Profiler.stop');
      expect(stopped.profile.nodes.length).toBeGreaterThan(0);

      expect((await get(`${base}/debug/pprof/heap`)).status).toBe(200);
      await other.post('HeapProfiler.enable');
      await other.post('HeapProfiler.stopSampling'); // stops V8's single sampler under our feet
      const heap = await get(`${base}/debug/pprof/heap`);
      expect(heap.status).toBe(200);
      expect(Profile.decode(gunzipSync(heap.body)).stringTable.strings).toContain('inuse_space');
    } finally {
      other.disconnect();
      await backend.close();
    }
  });
});
