import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { takeGoroutineSnapshot } from '../src/goroutine.ts';
import { renderGoroutineDebug2 } from '../src/goroutine-text.ts';
import { leaseBackend } from '../src/select-backend.ts';

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

describe('unit: goroutine snapshot', () => {
  it('shows where a busy worker thread is, by function name', async () => {
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads');
       function spinForever() { parentPort.postMessage('spinning'); for (;;) {} }
       spinForever();`,
      { eval: true },
    );
    workers.push(w);
    await once(w, 'message');
    const { snapshot } = takeGoroutineSnapshot({ includeWorkers: true });
    const worker = snapshot.workers.find((t) => t.stack.some((l) => l.includes('spinForever')));
    expect(worker?.threadId).toBe(w.threadId);
    expect(renderGoroutineDebug2(snapshot)).toMatch(/thread \d+ \[worker \d+\]:\n\tat spinForever/);
  });

  it('measures event-loop utilisation over the window since the previous snapshot', () => {
    const first = takeGoroutineSnapshot({ includeWorkers: false });
    const end = Date.now() + 50;
    while (Date.now() < end) {
      // busy: the window's utilisation must be high
    }
    const { snapshot } = takeGoroutineSnapshot({
      includeWorkers: false,
      previousElu: first.elu,
      previousAt: first.at,
    });
    expect(snapshot.eventLoop.window?.utilization).toBeGreaterThan(0.5);
    expect(snapshot.workersNote).toContain('includeWorkers: false');
    expect(snapshot.libuvHandles).toEqual([]);
  });
});

describe('unit: backend selection', () => {
  it('"auto" picks @datadog/pprof when it is installed (it is a devDependency here)', async () => {
    const auto = leaseBackend('auto', 'call');
    const first = leaseBackend('inspector', 'call');
    const second = leaseBackend('inspector', 'call');
    try {
      expect((await auto.backend).name).toBe('datadog');
      expect((await first.backend).name).toBe('inspector');
      expect(await first.backend).toBe(await second.backend);
    } finally {
      await Promise.all([auto.release(), first.release(), second.release()]);
    }
  });
});
