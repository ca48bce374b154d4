import { createDiscardLogger } from '@kubediag/klog';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createController, createWorkQueue } from '../src/index.ts';

// The queue's delay timers are unref'd, so process.getActiveResourcesInfo() does not list them;
// fake timers count them instead.
describe('what stop() closes', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shutDown() clears every delayed add', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const q = createWorkQueue({ name: 'q' });
    q.addAfter('a', 60_000);
    q.addRateLimited('b');
    expect(vi.getTimerCount()).toBe(2);
    q.shutDown();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a stopped controller leaves no backoff timer of a failed reconcile behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let failed!: () => void;
    const failure = new Promise<void>((resolve) => (failed = resolve));
    const c = createController({
      name: 'c',
      logger: createDiscardLogger(),
      reconcile: async () => {
        failed();
        throw new Error('transient');
      },
    });
    const loop = c.start();
    c.enqueue({ namespace: 'n', name: 'o' });
    await failure;
    await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
    await c.stop();
    await loop;
    expect(vi.getTimerCount()).toBe(0);
  });
});
