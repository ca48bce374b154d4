import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/**
 * How the main thread spent a stall, from the kernel: a blocked loop is the process's own work only for
 * the part it spent on a CPU. The rest the thread waited, runnable, for a CPU (other threads or
 * processes had the cores, or the container's CPU limit throttled it), or was not run at all (a
 * suspended container, a page fault's I/O, the hypervisor).
 */
export interface StallScheduling {
  /**
   * On a CPU: JavaScript, GC and native code of this thread. The kernel brings this figure up to date
   * at each scheduler tick, so it is good to one tick (1–10 ms, by kernel).
   */
  readonly onCpuMs: number;
  /** Runnable but waiting for a CPU, CPU-limit throttling included; exact. */
  readonly waitingMs: number;
  /**
   * Time the process's cgroup was throttled by its CPU limit (`cpu.max`, a container's
   * `resources.limits.cpu`), summed over the CPUs it was throttled on; absent when the cgroup's
   * `cpu.stat` cannot be read.
   */
  readonly throttledMs?: number;
}

/** One reading of the thread's and its cgroup's counters, in nanoseconds. */
interface Reading {
  readonly onCpuNs: number;
  readonly waitingNs: number;
  readonly throttledNs: number | undefined;
}

/** Nanoseconds per unit of the throttled figure: cgroup v2 counts µs (`throttled_usec`), v1 ns (`throttled_time`). */
const THROTTLED_KEYS: Readonly<Record<string, number>> = { throttled_usec: 1000, throttled_time: 1 };

/**
 * Reads the main thread's scheduler counters (`/proc/thread-self/schedstat`, Linux) and its cgroup's
 * CPU throttling (`cpu.stat`), each with one pread of a file opened once, a few microseconds per read:
 * cheap enough for every heartbeat. Must be opened on the thread it measures. Any failure to read turns
 * it off for good (undefined readings): the recorder never fails for want of these figures.
 */
export class ThreadScheduling {
  readonly #buffer = Buffer.alloc(1024);
  #schedstat: number | undefined;
  #cpuStat: number | undefined;

  private constructor(schedstat: number, cpuStat: number | undefined) {
    this.#schedstat = schedstat;
    this.#cpuStat = cpuStat;
  }

  /**
   * Opens the counters of the calling thread; undefined where the kernel does not give them (not
   * Linux, `/proc` not mounted, schedstats off). `root` is where `/proc` and `/sys` are found (tests).
   */
  static open(root: string = ''): ThreadScheduling | undefined {
    let schedstat: number | undefined;
    try {
      schedstat = openSync(`${root}/proc/thread-self/schedstat`, 'r');
      const scheduling = new ThreadScheduling(schedstat, openCpuStat(root));
      if (scheduling.read() === undefined) return undefined;
      return scheduling;
    } catch {
      if (schedstat !== undefined) closeSync(schedstat);
      return undefined;
    }
  }

  /** The counters now; undefined once a read failed. */
  read(): Reading | undefined {
    if (this.#schedstat === undefined) return undefined;
    const fields = preadText(this.#schedstat, this.#buffer)?.split(' ');
    const onCpuNs = Number(fields?.[0]);
    const waitingNs = Number(fields?.[1]);
    if (!Number.isFinite(onCpuNs) || !Number.isFinite(waitingNs)) {
      this.close();
      return undefined;
    }
    return { onCpuNs, waitingNs, throttledNs: this.#throttledNs() };
  }

  /** Closes the files; later reads are undefined. Idempotent. */
  close(): void {
    for (const fd of [this.#schedstat, this.#cpuStat]) if (fd !== undefined) closeQuietly(fd);
    this.#schedstat = undefined;
    this.#cpuStat = undefined;
  }

  #throttledNs(): number | undefined {
    if (this.#cpuStat === undefined) return undefined;
    const ns = throttledNanos(preadText(this.#cpuStat, this.#buffer));
    if (ns === undefined) {
      closeQuietly(this.#cpuStat);
      this.#cpuStat = undefined;
    }
    return ns;
  }
}

/** The stall's share of each counter between two readings. */
export function schedulingBetween(from: Reading, to: Reading): StallScheduling {
  const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e6));
  return {
    onCpuMs: ms(to.onCpuNs - from.onCpuNs),
    waitingMs: ms(to.waitingNs - from.waitingNs),
    ...(from.throttledNs !== undefined && to.throttledNs !== undefined
      ? { throttledMs: ms(to.throttledNs - from.throttledNs) }
      : {}),
  };
}

/** The whole of a small kernel file, read again from its start; undefined when the read fails. */
function preadText(fd: number, buffer: Buffer): string | undefined {
  try {
    return buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return undefined;
  }
}

/** The throttled time of a `cpu.stat` text in nanoseconds; undefined when it has none. */
function throttledNanos(text: string | undefined): number | undefined {
  for (const line of text?.split('\n') ?? []) {
    const [key = '', value] = line.split(' ');
    const scale = Object.hasOwn(THROTTLED_KEYS, key) ? THROTTLED_KEYS[key] : undefined;
    if (scale !== undefined) {
      const n = Number(value);
      return Number.isFinite(n) ? n * scale : undefined;
    }
  }
  return undefined;
}

/**
 * The `cpu.stat` of the process's cgroup, opened, or undefined. cgroup v1
 * first: the line of `/proc/self/cgroup` whose controllers include `cpu`, under that hierarchy's mount
 * (`cpu,cpuacct` or `cpu`), then the mount's root (a container runtime mounts the container's own
 * cgroup there). Then v2: the `0::<path>` line under `/sys/fs/cgroup` (on a hybrid host that line names
 * a hierarchy without the cpu controller, hence second).
 */
function openCpuStat(root: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(`${root}/proc/self/cgroup`, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const v1: string[] = [];
  const v2: string[] = [];
  for (const line of lines) {
    const [, controllers, path] = line.split(':', 3);
    if (controllers === undefined || path === undefined) continue;
    if (controllers === '') v2.push(`${root}/sys/fs/cgroup${trimSlash(path)}/cpu.stat`);
    else if (controllers.split(',').includes('cpu'))
      for (const mount of new Set([controllers, 'cpu,cpuacct', 'cpu']))
        v1.push(
          `${root}/sys/fs/cgroup/${mount}${trimSlash(path)}/cpu.stat`,
          `${root}/sys/fs/cgroup/${mount}/cpu.stat`,
        );
  }
  for (const file of new Set([...v1, ...v2])) {
    const opened = openThrottled(file);
    if (opened !== undefined) return opened;
  }
  return undefined;
}

/** `file` opened, when it is a `cpu.stat` with a throttled figure. */
function openThrottled(file: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (throttledNanos(preadText(fd, Buffer.alloc(1024))) !== undefined) return fd;
  } catch {
    // not there, or not readable: the next candidate
  }
  if (fd !== undefined) closeQuietly(fd);
  return undefined;
}

const trimSlash = (path: string): string => (path === '/' ? '' : path.replace(/\/$/, ''));

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing held
  }
}
