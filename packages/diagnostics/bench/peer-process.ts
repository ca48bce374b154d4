/**
 * A diagnostics server under test in its own process (kubediag's or controller-runtime's), started
 * from a command that prints `serving <url>` once it listens. Its memory and CPU time are read from
 * /proc, so the figures are the server's alone, not the load generator's or this harness's.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** Resident set size now, in MiB (VmRSS). */
  rssMiB(): Promise<number>;
  /** The largest resident set size so far, in MiB (VmHWM). */
  peakRssMiB(): Promise<number>;
  /** User + system CPU time used so far, in ms. */
  cpuMs(): Promise<number>;
  /** The last lines the process wrote to stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
// Linux reports /proc/<pid>/stat times in clock ticks; USER_HZ is 100 on every architecture Node
// supports (sysconf(_SC_CLK_TCK) is not reachable from Node).
const TICKS_PER_SECOND = 100;

export async function startPeer(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<PeerProcess> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  // Drained always: a server that logs every failed request during the outage must never block on a
  // full pipe.
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    tail.push(...chunk.split('\n').filter((l) => l !== ''));
    tail.splice(0, Math.max(0, tail.length - 40));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${name}: no "serving" line within 60 s`)),
      START_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /serving (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before serving (${code ?? signal}):\n${tail.join('\n')}`));
    });
    child.once('error', reject);
  });
  const pid = child.pid!;
  const statusMiB = async (field: string): Promise<number> => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    if (kib === undefined) throw new Error(`${name}: no ${field} in /proc/${pid}/status`);
    return Number(kib) / 1024;
  };

  return {
    name,
    pid,
    url,
    rssMiB: () => statusMiB('VmRSS'),
    peakRssMiB: () => statusMiB('VmHWM'),
    async cpuMs() {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
      return (ticks * 1000) / TICKS_PER_SECOND;
    },
    stderrTail: () => tail.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
