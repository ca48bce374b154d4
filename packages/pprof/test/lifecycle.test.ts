import { Session } from 'node:inspector/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPprofHandler } from '@kubediag/pprof';
import { get, serve } from './support/helpers.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Active resources (timers, sockets, servers, requests) by type. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** The resources more numerous now than in `before` (the test runner's own may have ended meanwhile). */
function leftSince(before: Map<string, number>): string[] {
  return [...activeResources()]
    .filter(([type, n]) => n > (before.get(type) ?? 0))
    .map(([type, n]) => `${n - (before.get(type) ?? 0)} ${type}`);
}

/** Waits (at most about 5 s) for a state: sockets and handles close a few loop turns after close(). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

/** Whether V8's sampling heap profiler runs, asked from a session of the test's own. */
async function heapSamplerRunning(): Promise<boolean> {
  const probe = new Session();
  probe.connect();
  try {
    await probe.post('HeapProfiler.getSamplingProfile');
    return true;
  } catch (err) {
    expect((err as Error).message).toMatch(/not started/);
    return false;
  } finally {
    probe.disconnect();
  }
}

describe('unit: pprof handler lifecycle', () => {
  it('close() leaves no timer, socket, heap sampler or inspector session behind', async () => {
    const connects = vi.spyOn(Session.prototype, 'connect');
    const disconnects = vi.spyOn(Session.prototype, 'disconnect');
    const posts = vi.spyOn(Session.prototype, 'post');
    const posted = (method: string): boolean => posts.mock.calls.some(([m]) => m === method);
    const before = activeResources();
    expect(await heapSamplerRunning()).toBe(false);

    const handler = createPprofHandler(); // the shared inspector backend, heap sampler started now
    await handler.ready();
    expect(await heapSamplerRunning()).toBe(true);
    posts.mockClear(); // the probe's own
    const server = await serve(handler);
    // Two profiles that would run for 30 s, each waiting on a timer until close() aborts it.
    const cpu = get(`${server.base}/debug/pprof/profile?seconds=30`, { agent: false });
    const heap = get(`${server.base}/debug/pprof/heap?seconds=30`, { agent: false });
    await until(() => posted('Profiler.start') && posted('HeapProfiler.getSamplingProfile'));
    expect(leftSince(before)).toContain('1 TCPServerWrap');

    await handler.close(); // answers the aborted profiles before it resolves
    const replies = await Promise.all([cpu, heap]);
    await server.close();
    expect(replies.map((r) => [r.status, r.body.toString()])).toEqual([
      [500, 'profile collection aborted\n'],
      [500, 'profile collection aborted\n'],
    ]);
    await until(() => leftSince(before).length === 0);
    expect(leftSince(before)).toEqual([]);
    expect(await heapSamplerRunning()).toBe(false);
    expect(posted('Profiler.stop')).toBe(true);
    expect(disconnects.mock.calls.length).toBe(connects.mock.calls.length);
    expect(connects.mock.calls.length).toBeGreaterThan(3); // the probes and the backend's session
  });

  it('a handler refused for a second flight recorder starts nothing: no backend session, no heap sampler', async () => {
    const first = createPprofHandler({ heap: { startOnCreate: false }, flightRecorder: { enabled: true } });
    await first.ready();
    const connects = vi.spyOn(Session.prototype, 'connect');
    expect(await heapSamplerRunning()).toBe(false);
    connects.mockClear(); // the probe's own
    expect(() => createPprofHandler({ flightRecorder: { enabled: true } })).toThrow(
      /flight recorder already running/,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(connects).not.toHaveBeenCalled();
    expect(await heapSamplerRunning()).toBe(false);
    await first.close();
  });

  it('close() stops the flight recorder: its heartbeat timer, its profile chain and its inspector session', async () => {
    const intervals = vi.spyOn(globalThis, 'setInterval');
    const connects = vi.spyOn(Session.prototype, 'connect');
    const disconnects = vi.spyOn(Session.prototype, 'disconnect');
    const before = activeResources();
    const handler = createPprofHandler({
      heap: { startOnCreate: false },
      flightRecorder: { enabled: true, chunkMs: 200 },
    });
    await handler.ready();
    const server = await serve(handler);
    const dump = await get(`${server.base}/debug/pprof/flightrecording`, { agent: false });
    expect(dump.status).toBe(200);
    // The heartbeat is unref'd (it never keeps the process alive), so it is not an active resource:
    // take its timer, and ref it again after close() to see whether it still exists.
    const heartbeat = intervals.mock.results.map((r) => r.value as NodeJS.Timeout).at(-1)!;
    expect(heartbeat.hasRef()).toBe(false);
    await server.close(); // closes the handler, then the server
    heartbeat.ref();
    await until(() => leftSince(before).length === 0);
    expect(leftSince(before)).toEqual([]);
    heartbeat.unref();
    expect(handler.flightRecorder).toBeUndefined();
    expect(disconnects.mock.calls.length).toBe(connects.mock.calls.length);
    // A recorder can start again: the per-thread lock was released and V8's profiler is free.
    const next = createPprofHandler({ heap: { startOnCreate: false }, flightRecorder: { enabled: true } });
    await next.ready();
    await next.close();
  });

  it('a handler closed while another stays open leaves the shared backend to the other', async () => {
    const first = createPprofHandler();
    const second = createPprofHandler();
    await Promise.all([first.ready(), second.ready()]);
    await first.close();
    expect(await heapSamplerRunning()).toBe(true);
    await second.close();
    expect(await heapSamplerRunning()).toBe(false);
  });

  it('answers 503 after close() and closes once however often it is called', async () => {
    const handler = createPprofHandler({ heap: { startOnCreate: false } });
    const server = await serve(handler);
    const closing = handler.close();
    expect(handler.close()).toBe(closing);
    await closing;
    const reply = await get(`${server.base}/debug/pprof/heap`);
    expect(reply.status).toBe(503);
    expect(reply.body.toString()).toBe('pprof handler closed\n');
    expect(reply.headers['x-go-pprof']).toBe('1');
    await server.close();
  });
});
