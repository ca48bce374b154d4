import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { StallRecord } from '../src/index.ts';
import { schedulingBetween, ThreadScheduling } from '../src/flight-recorder/thread-scheduling.ts';
import { blockingFunction } from './support/blocking.ts';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fake `/proc` and `/sys` under a temporary root: `files` by path relative to it. */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kdiag-sched-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const SCHEDSTAT = 'proc/thread-self/schedstat';

describe('unit: thread scheduling counters', () => {
  it('reads the thread schedstat and a cgroup v2 cpu.stat (µs) of the process’s cgroup', () => {
    const root = fakeRoot({
      [SCHEDSTAT]: '1500000000 250000000 42\n',
      'proc/self/cgroup': '0::/kubepods/pod1/ctr\n',
      'sys/fs/cgroup/kubepods/pod1/ctr/cpu.stat':
        'usage_usec 9\nuser_usec 5\nsystem_usec 4\nnr_periods 10\nnr_throttled 3\nthrottled_usec 700000\n',
    });
    const scheduling = ThreadScheduling.open(root)!;
    expect(scheduling.read()).toEqual({ onCpuNs: 1.5e9, waitingNs: 2.5e8, throttledNs: 7e8 });
    writeFileSync(join(root, SCHEDSTAT), '1620000000 940000000 50\n');
    writeFileSync(
      join(root, 'sys/fs/cgroup/kubepods/pod1/ctr/cpu.stat'),
      'usage_usec 9\nnr_throttled 9\nthrottled_usec 1350000\n',
    );
    const later = scheduling.read()!;
    expect(schedulingBetween({ onCpuNs: 1.5e9, waitingNs: 2.5e8, throttledNs: 7e8 }, later)).toEqual({
      onCpuMs: 120,
      waitingMs: 690,
      throttledMs: 650,
    });
    scheduling.close();
    expect(scheduling.read()).toBeUndefined();
  });

  it('finds a cgroup v1 cpu hierarchy (ns) by its controllers, else the mount’s root, before the v2 line', () => {
    const exact = fakeRoot({
      [SCHEDSTAT]: '1 2 3',
      'proc/self/cgroup': '4:memory:/x\n3:cpu,cpuacct:/docker/abc\n0::/\n',
      'sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.stat': 'nr_periods 1\nnr_throttled 1\nthrottled_time 5000\n',
      'sys/fs/cgroup/cpu.stat': 'usage_usec 1\n', // a v2 root without the cpu controller
    });
    expect(ThreadScheduling.open(exact)!.read()!.throttledNs).toBe(5000);
    const mountRoot = fakeRoot({
      [SCHEDSTAT]: '1 2 3',
      'proc/self/cgroup': '1:cpu:/kubepods/burstable/pod9/abc\n',
      'sys/fs/cgroup/cpu/cpu.stat': 'nr_periods 7\nnr_throttled 2\nthrottled_time 123\n',
    });
    expect(ThreadScheduling.open(mountRoot)!.read()!.throttledNs).toBe(123);
  });

  it('gives the thread’s figures without throttling when no cpu.stat has it, and nothing without schedstat', () => {
    const noCgroup = fakeRoot({ [SCHEDSTAT]: '10 20 1', 'proc/self/cgroup': '0::/\n' });
    const reading = ThreadScheduling.open(noCgroup)!.read()!;
    expect(reading).toEqual({ onCpuNs: 10, waitingNs: 20, throttledNs: undefined });
    expect(schedulingBetween(reading, reading)).toEqual({ onCpuMs: 0, waitingMs: 0 });
    expect(ThreadScheduling.open(fakeRoot({ 'proc/self/cgroup': '0::/\n' }))).toBeUndefined();
    expect(ThreadScheduling.open(fakeRoot({ [SCHEDSTAT]: 'garbage' }))).toBeUndefined();
  });

  it('turns itself off when a read goes bad, and never throws', () => {
    const root = fakeRoot({
      [SCHEDSTAT]: '10 20 1',
      'proc/self/cgroup': '0::/\n',
      'sys/fs/cgroup/cpu.stat': 'throttled_usec 1\n',
    });
    const scheduling = ThreadScheduling.open(root)!;
    writeFileSync(join(root, 'sys/fs/cgroup/cpu.stat'), 'throttled_usec many\n');
    expect(scheduling.read()).toEqual({ onCpuNs: 10, waitingNs: 20, throttledNs: undefined });
    writeFileSync(join(root, SCHEDSTAT), '');
    expect(scheduling.read()).toBeUndefined();
    expect(scheduling.read()).toBeUndefined();
    scheduling.close();
  });
});

describe.runIf(process.platform === 'linux')('thread scheduling: the real kernel', () => {
  it('counts this thread’s time on a CPU and waiting for one, never more than the wall time', () => {
    const scheduling = ThreadScheduling.open();
    expect(scheduling).toBeDefined();
    const before = scheduling!.read()!;
    const started = performance.now();
    blockingFunction('countedBlock')(200);
    const wallMs = performance.now() - started;
    const spent = schedulingBetween(before, scheduling!.read()!);
    scheduling!.close();
    expect(spent.onCpuMs).toBeGreaterThan(0);
    // The CPU figure lags by up to one scheduler tick (at most 10 ms) at each end.
    expect(spent.onCpuMs + spent.waitingMs).toBeLessThanOrEqual(wallMs + 20);
  });
});

/**
 * A cgroup made for this test, unlimited until `limit()` allows it 10 ms of CPU per 100 ms (a container
 * with `limits.cpu: 100m`): cgroup v2 where `/sys/fs/cgroup` is it, else v1's cpu hierarchy. Undefined
 * where this process may not make one (not root, read-only cgroupfs, not Linux): the test says so and
 * is skipped.
 */
function testCgroup():
  { readonly procs: string; readonly limit: () => void; readonly remove: () => Promise<void> } | undefined {
  const name = `kubediag-test-${process.pid}`;
  const attempts: { dir: string; unlimited: [string, string][]; limited: [string, string][] }[] = [
    {
      dir: `/sys/fs/cgroup/${name}`,
      unlimited: [['cpu.max', 'max 100000']],
      limited: [['cpu.max', '10000 100000']],
    },
    ...['cpu,cpuacct', 'cpu'].map((mount) => ({
      dir: `/sys/fs/cgroup/${mount}/${name}`,
      unlimited: [
        ['cpu.cfs_period_us', '100000'],
        ['cpu.cfs_quota_us', '-1'],
      ] as [string, string][],
      limited: [['cpu.cfs_quota_us', '10000']] as [string, string][],
    })),
  ];
  for (const { dir, unlimited, limited } of attempts) {
    if (!existsSync(join(dirname(dir), 'cgroup.procs'))) continue;
    try {
      mkdirSync(dir);
    } catch {
      continue;
    }
    const write = (settings: [string, string][]): void => {
      for (const [file, value] of settings) writeFileSync(join(dir, file), value);
    };
    try {
      write(unlimited);
      return {
        procs: join(dir, 'cgroup.procs'),
        limit: () => write(limited),
        remove: () => removeCgroup(dir),
      };
    } catch {
      rmdirSync(dir);
    }
  }
  return undefined;
}

/**
 * Removes a cgroup once its last task is gone: the kernel refuses (EBUSY) for a moment after the
 * child's exit was reported, while it detaches the exiting threads.
 */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || attempt === 50) {
        const tasks = readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim().replace(/\n/g, ' ');
        throw new Error(`cannot remove ${dir} (tasks in it: ${tasks || 'none'})`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const cgroup = process.platform === 'linux' ? testCgroup() : undefined;
if (cgroup === undefined)
  console.warn(
    'thread-scheduling.test.ts: no cgroup with a CPU limit can be made here (needs root): skipped',
  );

describe.runIf(cgroup !== undefined)('thread scheduling: a stall under a CPU limit', () => {
  afterAll(async () => cgroup?.remove());

  it('says the thread waited and the container was throttled, not only which code ran', async () => {
    // Born in the cgroup, as a container's process is: the recorder finds its cpu.stat at start.
    const child = spawn(
      'sh',
      [
        '-c',
        'echo $$ > "$0" && exec "$@"',
        cgroup!.procs,
        process.execPath,
        '--conditions=@kubediag/source',
        '--import',
        'tsx',
        'test/support/throttled-stall-main.ts',
      ],
      { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async (prefix: string): Promise<string> => {
        for (;;) {
          const { value, done } = await lines.next();
          if (done === true) throw new Error(`the child ended before printing ${prefix}`);
          if (value.startsWith(prefix)) return value.slice(prefix.length);
        }
      };
      await next('READY');
      // Limited once started (tsx's compile would take seconds at 10 %).
      cgroup!.limit();
      child.stdin.write('block 1500\n');
      const warning = JSON.parse(await next('WARNING ')) as Record<string, string>;
      const record = JSON.parse(await next('STALL ')) as StallRecord;

      const spent = record.scheduling!;
      // At 10 ms per 100 ms the thread can hold a CPU for a tenth of the stall at most, plus one tick.
      expect(spent.onCpuMs).toBeLessThan(record.durationMs * 0.1 + 50);
      expect(spent.waitingMs).toBeGreaterThan(record.durationMs / 2);
      expect(spent.throttledMs).toBeGreaterThan(0);
      expect(record.top[0]?.name).toBe('throttledBlock');
      expect(Object.keys(warning)).toEqual([
        'duration',
        'onCPU',
        'waitingForCPU',
        'cpuThrottled',
        'top',
        'profile',
      ]);
      expect(warning['cpuThrottled']).toMatch(/^\d+(ms|\.\ds)$/);
    } finally {
      child.kill();
      await exited;
    }
  }, 60_000);
});
