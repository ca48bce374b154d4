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

/** How a child Node process ended, with everything it printed. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child Node process running a TypeScript script (test/fixtures/*.mts, src/bin.ts). */
export interface ChildRun {
  /** First JSON line the child printed on stdout. */
  readonly report: Promise<Record<string, unknown>>;
  /** Settles once the child exited and its output was read to the end. */
  readonly exited: Promise<ChildExit>;
  readonly pid: number;
  /** Its stdout (or stderr) so far, once `pattern` matches it; rejects if the child exits first. */
  output(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs `script` (a path) in a child Node with the source condition and tsx, from the package dir. */
export function runNode(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildRun {
  const child = spawn(
    process.execPath,
    ['--conditions=@kubediag/source', '--import', 'tsx', script, ...args],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    for (const w of waiters) w();
  });
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    for (const w of waiters) w();
  });
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const output = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const text = stream === 'stdout' ? stdout : stderr;
        if (!pattern.test(text)) return;
        waiters.delete(check);
        resolve(text);
      };
      waiters.add(check);
      check();
      void exited.then((e) =>
        reject(new Error(`${script} exited before printing ${String(pattern)}: ${JSON.stringify(e)}`)),
      );
    });
  const report = output(/\n/).then(
    (out) => JSON.parse(out.slice(0, out.indexOf('\n'))) as Record<string, unknown>,
  );
  report.catch(() => {});
  return { report, exited, pid: child.pid!, output, kill: (s) => child.kill(s) };
}

/** Runs test/fixtures/<name>.mts in a child Node with the source condition and tsx. */
export function runFixture(name: string, args: readonly string[]): ChildRun {
  return runNode(fileURLToPath(new URL(`../fixtures/${name}.mts`, import.meta.url)), args);
}
