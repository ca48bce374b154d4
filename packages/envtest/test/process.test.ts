import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SupervisedProcess, tailFile, type Exit } from '../src/internal/process.ts';
import { binaryPids, pidExists, runFixture, waitNoProcesses } from './support/procs.ts';

// A unique sleep duration doubles as a marker to find the process in /proc.
const marker = (): string =>
  `${1000 + Math.floor(Math.random() * 1000)}.${process.pid}${Date.now() % 100000}`;

describe('unit: supervised process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubediag-process-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops the binary and its supervisor with SIGTERM', async () => {
    const m = marker();
    const p = new SupervisedProcess('sleep', '/bin/sleep', [m], join(dir, 'a.log'));
    await expect.poll(() => binaryPids('/bin/sleep', m).length).toBe(1);
    const exit = await p.stop(5_000);
    expect(exit).toEqual({ code: 143, signal: 'SIGTERM' });
    expect(pidExists(p.pgid)).toBe(false);
    expect(await waitNoProcesses(m, 2_000)).toEqual([]);
  });

  it("reports the binary's exit for a stop that comes as soon as the binary runs", async () => {
    // Before the supervisor trapped TERM first, about one early stop in four killed the supervisor
    // alone; forty in a row catch that with near certainty.
    const exits: Exit[] = [];
    for (let i = 0; i < 40; i++) {
      const m = marker();
      const p = new SupervisedProcess('sleep', '/bin/sleep', [m], join(dir, 'early.log'));
      while (binaryPids('/bin/sleep', m).length === 0) await new Promise((r) => setImmediate(r));
      exits.push(await p.stop(5_000));
    }
    expect(exits.filter((e) => e.code !== 143)).toEqual([]);
  });

  it('escalates to SIGKILL when the binary ignores SIGTERM', async () => {
    const m = marker();
    const p = new SupervisedProcess(
      'stubborn',
      '/bin/sh',
      ['-c', `trap '' TERM; sleep ${m} & wait`, 'stubborn'],
      join(dir, 'b.log'),
    );
    await expect.poll(() => binaryPids('sleep', m).length).toBe(1);
    const exit = await p.stop(300);
    expect(exit.signal).toBe('SIGKILL');
    expect(await waitNoProcesses(m, 2_000)).toEqual([]);
  });

  it('reports a binary killed from outside through exited', async () => {
    const m = marker();
    const p = new SupervisedProcess('sleep', '/bin/sleep', [m], join(dir, 'c.log'));
    await expect.poll(() => binaryPids('/bin/sleep', m).length).toBe(1);
    const pid = binaryPids('/bin/sleep', m)[0]!;
    process.kill(pid, 'SIGKILL');
    expect(await p.exited).toEqual({ code: 137, signal: 'SIGKILL' });
    expect(p.exit).toEqual({ code: 137, signal: 'SIGKILL' });
    expect(await p.stop(1_000)).toEqual({ code: 137, signal: 'SIGKILL' });
  });

  it('writes output to the log file and tails its last lines', async () => {
    const log = join(dir, 'd.log');
    const p = new SupervisedProcess('seq', '/usr/bin/seq', ['1', '50'], log);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect((await readFile(log, 'utf8')).split('\n')[0]).toBe('1');
    expect(tailFile(log, 3)).toBe('48\n49\n50');
    expect(tailFile(join(dir, 'missing.log'))).toBe('(no log)');
  });

  it.each(['exit', 'throw', 'wait'] as const)(
    'leaves no orphan when the Node process that started it ends (%s)',
    async (mode) => {
      const m = marker();
      const child = runFixture('supervise', [m, mode]);
      const report = await child.report;
      expect(report['sleepPids']).toHaveLength(1);
      // 'wait' never ends by itself: SIGKILL it, which no handler can intercept; the lifeline pipe does the work.
      if (mode === 'wait') child.kill('SIGKILL');
      const exit = await child.exited;
      if (mode === 'throw') expect(exit.stderr).toContain('uncaught on purpose');
      expect(await waitNoProcesses(m, 10_000)).toEqual([]);
    },
  );

  it('on an unhandled SIGTERM kills what it supervises, then lets the signal end the process', async () => {
    const m = marker();
    const child = runFixture('supervise', [m, 'wait']);
    await child.report;
    child.kill('SIGTERM');
    expect(await child.exited).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(await waitNoProcesses(m, 10_000)).toEqual([]);
  });

  it("leaves a handled SIGTERM to the application's handler, which can stop gracefully", async () => {
    const m = marker();
    const child = runFixture('supervise', [m, 'handle']);
    await child.report;
    child.kill('SIGTERM');
    const exit = await child.exited;
    // The handler's stop() sent SIGTERM: nothing had SIGKILLed the sleep before it.
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.stdout).toContain('{"stopped":{"code":143,"signal":"SIGTERM"}}');
    expect(await waitNoProcesses(m, 10_000)).toEqual([]);
  });
});
