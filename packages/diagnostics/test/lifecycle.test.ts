import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { withDiagnostics, type DiagnosticsOptions } from '../src/index.ts';

/** Active handles and requests of this process by kind (TCPServerWrap, TCPSocketWrap, Timeout, FSWatcher, ...). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Kinds of which there are more now than in `before`: what was opened and not closed. */
function leftOpen(before: Record<string, number>): Record<string, number> {
  const more: Record<string, number> = {};
  for (const [kind, count] of Object.entries(activeResources()))
    if (count > (before[kind] ?? 0)) more[kind] = count - (before[kind] ?? 0);
  return more;
}

/**
 * Waits until nothing is left open since `before`: a closed socket leaves the list a few event-loop
 * turns after `stop()` resolves. Bounded, and judged on the final state, not on time. (The test
 * runner's own timers may come and go; a kind that is fewer than before is not a leak.)
 */
async function expectNothingLeftOpen(before: Record<string, number>): Promise<void> {
  for (let i = 0; i < 100 && Object.keys(leftOpen(before)).length > 0; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(leftOpen(before)).toEqual({});
}

/** One request on its own connection (no agent keeps a socket), answered and read to the end. */
function get(url: string, path: string, token?: string): Promise<number> {
  const target = new URL(path, url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { agent: false, rejectUnauthorized: false, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const quiet: DiagnosticsOptions = {
  logging: { output: { write: () => true } },
  metrics: { registry: new Registry(), defaultMetrics: false },
};

describe('Diagnostics.stop()', () => {
  it('leaves no active handle behind in secure mode with static auth', async () => {
    const before = activeResources();
    const d = await withDiagnostics({
      ...quiet,
      server: { bindAddress: '127.0.0.1:0' },
      staticAuth: {
        tokens: 'reader-token,reader,u1,"readers"',
        rules: [{ groups: ['readers'], nonResourceURLs: ['/metrics', '/debug/pprof/*'], verbs: ['get'] }],
      },
    });
    await d.start();
    const url = d.server.url!;
    expect(await get(url, '/metrics', 'reader-token')).toBe(200);
    expect(await get(url, '/metrics')).toBe(401);
    expect(await get(url, '/debug/pprof/heap', 'reader-token')).toBe(200);
    expect(await get(url, '/healthz')).toBe(200);
    await d.stop();
    await expectNothingLeftOpen(before);
  });

  it('leaves no active handle behind in insecure mode', async () => {
    const before = activeResources();
    const d = await withDiagnostics({
      ...quiet,
      server: { bindAddress: '127.0.0.1:0', secureServing: false },
    });
    await d.start();
    expect(await get(d.server.url!, '/metrics')).toBe(200);
    await d.stop();
    await expectNothingLeftOpen(before);
  });
});
