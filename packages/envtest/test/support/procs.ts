import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Live (non-zombie) processes whose command line contains `marker`, as "pid cmdline". */
export function processesMatching(marker: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      // A zombie has an empty cmdline, so it never matches: only processes that still run count.
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(marker)) found.push(`${entry} ${cmdline}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Pids of live processes running `bin` (argv[0]) with `marker` among their arguments. */
export function binaryPids(bin: string, marker: string): number[] {
  return processesMatching(marker)
    .map((line) => line.split(' '))
    .filter((parts) => parts[1] === bin)
    .map((parts) => Number(parts[0]));
}

/** Polls until no process matches `marker` or `timeoutMs` passes; returns the survivors. */
export async function waitNoProcesses(marker: string, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesMatching(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True while `pid` exists (zombie or not). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Result of a child Node process running one of test/fixtures/*.mts. */
export interface ChildRun {
  /** First JSON line the child printed on stdout. */
  readonly report: Promise<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  readonly pid: number;
  kill(signal: NodeJS.Signals): void;
}

/** Runs test/fixtures/<name>.mts in a child Node with the source condition and tsx. */
export function runFixture(name: string, args: readonly string[]): ChildRun {
  const script = fileURLToPath(new URL(`../fixtures/${name}.mts`, import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@kubediag/source', '--import', 'tsx', script, ...args],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  const report = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(stdout.slice(0, nl)) as Record<string, unknown>);
    });
    void exited.then((e) =>
      reject(new Error(`fixture ${name} exited before reporting: ${JSON.stringify(e)}`)),
    );
  });
  report.catch(() => {});
  return { report, exited, pid: child.pid!, kill: (s) => child.kill(s) };
}
