import { createDiscardLogger } from '@kubediag/klog';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TerminalError, createController } from '../src/index.ts';

describe('createController', () => {
  it('reconciles each queued key once per add and counts results', async () => {
    const registry = new Registry();
    const seen: string[] = [];
    const c = createController({
      name: 'demo',
      logger: createDiscardLogger(),
      registry,
      reconcile: async (req) => {
        seen.push(`${req.namespace}/${req.name}`);
      },
    });
    c.enqueue({ namespace: 'a', name: 'x' });
    c.enqueue({ namespace: 'a', name: 'x' });
    c.enqueue({ namespace: 'b', name: 'y' });
    const done = c.start();
    await c.stop();
    await done;
    expect(seen).toEqual(['a/x', 'b/y']);
    expect(await registry.metrics()).toContain(
      'controller_runtime_reconcile_total{controller="demo",result="success"} 2',
    );
  });

  it('retries a failing key with backoff until it succeeds', async () => {
    let attempts = 0;
    let resolveDone!: () => void;
    const succeeded = new Promise<void>((r) => (resolveDone = r));
    const registry = new Registry();
    const c = createController({
      name: 'flaky',
      logger: createDiscardLogger(),
      registry,
      reconcile: async () => {
        attempts++;
        if (attempts < 3) throw new Error('transient');
        resolveDone();
      },
    });
    void c.start();
    c.enqueue({ namespace: 'n', name: 'o' });
    await succeeded;
    await c.stop();
    expect(attempts).toBe(3);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="flaky"} 2');
    expect(text).toContain('workqueue_retries_total{name="flaky",controller="flaky"} 2');
  });

  it('does not retry a TerminalError and counts it', async () => {
    let attempts = 0;
    const registry = new Registry();
    const c = createController({
      name: 'terminal',
      logger: createDiscardLogger(),
      registry,
      reconcile: async () => {
        attempts++;
        throw new TerminalError('bad spec');
      },
    });
    c.enqueue({ namespace: 'n', name: 'o' });
    const done = c.start();
    await c.stop();
    await done;
    expect(attempts).toBe(1);
    expect(await registry.metrics()).toContain(
      'controller_runtime_terminal_reconcile_errors_total{controller="terminal"} 1',
    );
  });

  it('wraps each reconcile in the given span function', async () => {
    const spans: string[] = [];
    const c = createController({
      name: 'traced',
      logger: createDiscardLogger(),
      span: async (req, fn) => {
        spans.push(`${req.controller}:${req.namespace}/${req.name}`);
        return fn();
      },
      reconcile: async () => undefined,
    });
    c.enqueue({ namespace: 'n', name: 'o' });
    const done = c.start();
    await c.stop();
    await done;
    expect(spans).toEqual(['traced:n/o']);
  });
});
