/**
 * Starts operator-main.ts in a child Node process and watches it: its IPC reports (side effects,
 * memory, fatal errors, warnings), its whole stdout and stderr, and its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, OperatorConfig } from './protocol.ts';

export type EffectMessage = Extract<ChildMessage, { type: 'effect' }>;
export type MemoryMessage = Extract<ChildMessage, { type: 'memory' }>;

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface OperatorProcess {
  readonly pid: number;
  readonly url: string;
  readonly caPem: string | undefined;
  readonly effects: EffectMessage[];
  readonly fatals: Extract<ChildMessage, { type: 'fatal' }>[];
  readonly warnings: Extract<ChildMessage, { type: 'warning' }>[];
  /** Everything written to stdout and stderr so far (the last 256 KiB with `output: 'tail'`). */
  output(): string;
  /** Bytes written to stdout and stderr so far. */
  outputBytes(): number;
  /** Runs a full GC in the child (--expose-gc) and returns its memory figures afterwards. */
  collectGarbage(): Promise<MemoryMessage>;
  /** Undefined while running. */
  exitInfo(): ExitInfo | undefined;
  /** Graceful stop through withDiagnostics' stop(); SIGKILL if it takes longer than `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
}

const MAIN = fileURLToPath(new URL('./operator-main.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../../..', import.meta.url));
const TAIL_BYTES = 256 * 1024;
const running = new Set<ChildProcess>();

/** Kills every operator child still running (a test that failed half-way). */
export function killAllOperators(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export async function startOperator(
  config: OperatorConfig,
  options: { output?: 'all' | 'tail'; nodeArgs?: readonly string[] } = {},
): Promise<OperatorProcess> {
  const keepAll = (options.output ?? 'all') === 'all';
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...(options.nodeArgs ?? []), '--conditions=@kubediag/source', '--import', 'tsx', MAIN],
    {
      cwd: PACKAGE_DIR,
      env: { ...process.env, KUBEDIAG_LOAD_OPERATOR: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  running.add(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('operator child did not start');

  let chunks: string[] = [];
  let tail = '';
  let bytes = 0;
  const collect = (chunk: string): void => {
    bytes += Buffer.byteLength(chunk);
    if (keepAll) chunks.push(chunk);
    else tail = (tail + chunk).slice(-TAIL_BYTES);
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const output = (): string => {
    if (!keepAll) return tail;
    const all = chunks.join('');
    chunks = [all];
    return all;
  };

  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolve(exit);
    }),
  );

  const effects: EffectMessage[] = [];
  const fatals: Extract<ChildMessage, { type: 'fatal' }>[] = [];
  const warnings: Extract<ChildMessage, { type: 'warning' }>[] = [];
  let memoryWaiter: ((m: MemoryMessage) => void) | undefined;
  let readyResolve: (m: Extract<ChildMessage, { type: 'ready' }>) => void = () => undefined;
  const ready = new Promise<Extract<ChildMessage, { type: 'ready' }>>((r) => (readyResolve = r));
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'effect') effects.push(m);
    else if (m.type === 'fatal') fatals.push(m);
    else if (m.type === 'warning') warnings.push(m);
    else if (m.type === 'memory') memoryWaiter?.(m);
    else readyResolve(m);
  });

  const first = await Promise.race([
    ready,
    exited,
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000)),
  ]);
  if (first === 'timeout' || !('type' in first)) {
    child.kill('SIGKILL');
    throw new Error(
      `operator child did not become ready (${first === 'timeout' ? 'timeout' : JSON.stringify(first)}):\n${output().slice(-4000)}`,
    );
  }

  return {
    pid,
    url: first.url,
    caPem: first.caPem,
    effects,
    fatals,
    warnings,
    output,
    outputBytes: () => bytes,
    collectGarbage: () =>
      new Promise<MemoryMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no memory report from the operator child')), 30_000);
        memoryWaiter = (m) => {
          clearTimeout(timer);
          memoryWaiter = undefined;
          resolve(m);
        };
        child.send({ type: 'gc' });
      }),
    exitInfo: () => exit,
    async stop(timeoutMs = 40_000) {
      if (exit !== undefined) return exit;
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };
}
