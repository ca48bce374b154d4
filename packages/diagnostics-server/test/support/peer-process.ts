/**
 * A diagnostics server under test in its own process, kubediag's (hostile-server-main.ts) or the
 * controller-runtime peer (bench/peers/controller-runtime), each printing `probes <url>` and
 * `serving <url>` once it listens. Its memory is read from /proc, so the figures are the server's.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** `https://127.0.0.1:<port>` of the diagnostics port. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` of the health-probe port. */
  readonly probes: string;
  /** Resident set size now and its peak so far, in MiB. */
  memory(): Promise<{ rssMiB: number; peakRssMiB: number }>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

export async function startServerProcess(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<ServerProcess> {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  // Always drained: a server logging every refused connection must never block on a full pipe.
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    tail.push(...chunk.split('\n').filter((l) => l !== ''));
    tail.splice(0, Math.max(0, tail.length - 40));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const urls = await new Promise<{ url: string; probes: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: not serving within 60 s`)), START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const url = /serving (https:\/\/\S+)/.exec(out)?.[1];
      const probes = /probes (http:\/\/\S+)/.exec(out)?.[1];
      if (url !== undefined && probes !== undefined) {
        clearTimeout(timer);
        resolve({ url, probes });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before serving (${code ?? signal}):\n${tail.join('\n')}`));
    });
  });
  const pid = child.pid!;
  const statusMiB = (status: string, field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return {
    name,
    pid,
    ...urls,
    async memory() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      return { rssMiB: statusMiB(status, 'VmRSS'), peakRssMiB: statusMiB(status, 'VmHWM') };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
