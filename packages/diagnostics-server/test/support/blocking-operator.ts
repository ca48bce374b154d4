import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HealthProbeWatchdogOptions } from '../../src/index.ts';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** The operator of blocking-operator-main.ts, running in its own process. */
export interface BlockingOperator {
  /** `http://127.0.0.1:<port>` of its probe listener (the watchdog's). */
  readonly probes: string;
  /** Everything it wrote on stderr so far (its klog lines). */
  stderr(): string;
  /** Resolves once its main thread is about to block for `ms`; `returned` once it is back. */
  block(ms: number): Promise<{ returned: Promise<void> }>;
  /** Stops its server and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts the operator (TypeScript sources through tsx) with the given watchdog options. */
export async function startBlockingOperator(
  watchdog: HealthProbeWatchdogOptions,
  logFormat: 'text' | 'json' = 'text',
): Promise<BlockingOperator> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      '--conditions=@kubediag/source',
      '--import',
      'tsx',
      'test/support/blocking-operator-main.ts',
      JSON.stringify(watchdog),
      logFormat,
    ],
    { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let stdout = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of [...waiters]) {
      if (stdout.split('\n').includes(w.line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  /** Resolves at the next occurrence of `line` on stdout after now. */
  const next = (line: string): Promise<void> => {
    stdout = stdout.split('\n').slice(-1).join('\n');
    return new Promise((resolve) => waiters.push({ line, resolve }));
  };
  const probes = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not listening within 60 s:\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    const onData = (): void => {
      const url = /^probes (http:\/\/\S+)$/m.exec(stdout)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(url);
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`exited before listening (${code}):\n${stderr}`)));
  });
  return {
    probes,
    stderr: () => stderr,
    async block(ms) {
      const blocking = next('blocking');
      const returned = next('returned');
      child.stdin.write(`block ${ms}\n`);
      await blocking;
      return { returned };
    },
    async stop() {
      child.stdin.write('stop\n');
      return exited;
    },
  };
}
