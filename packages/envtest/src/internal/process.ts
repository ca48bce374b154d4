import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import type { Socket } from 'node:net';

/** How a supervised process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/*
 * Each binary runs under a tiny /bin/sh supervisor in its own process group (detached), so:
 * - stop() can signal the whole group at once;
 * - the supervisor holds a pipe from us on fd 3; when we die, even by SIGKILL, the pipe closes and
 *   the supervisor takes the binary down (no orphaned etcd or kube-apiserver);
 * - the supervisor traps TERM and keeps waiting, so its exit (which Node sees) means the binary is
 *   really gone, not merely signalled; it exits with the binary's status (128+n for signal n). The
 *   trap comes first: a stop() that lands once the binary runs but before a later trap would kill the
 *   supervisor alone and report its own SIGTERM instead of the binary's exit. A trap to a command is
 *   not inherited, so the binary and the watcher still get TERM's default action.
 */
const SUPERVISOR = `
trap ':' TERM INT HUP
exec 3<&0
"$@" </dev/null &
child=$!
( while read -r _ <&3; do :; done; kill -TERM "$child" 2>/dev/null; sleep 2; kill -KILL "$child" 2>/dev/null ) &
watcher=$!
exec 3<&-
while :; do
  wait "$child"; status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$status"
`;

const live = new Set<SupervisedProcess>();
const cleanups = new Set<() => void>();
let hooksInstalled = false;

function killAllSync(): void {
  for (const p of live) p.killGroupSync('SIGKILL');
  for (const c of cleanups) {
    try {
      c();
    } catch {
      // Best effort while the process is exiting.
    }
  }
}

/**
 * Runs `cleanup` synchronously if the process exits (or gets an unhandled SIGINT/SIGTERM/SIGHUP)
 * first, after every supervised process was killed. Returns the unregister function.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  installExitHooks();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener owns this signal (kubediag-envtest start stops the control plane gracefully on
  // it): leave the shutdown to it. Whenever the process does exit, the 'exit' hook still kills all.
  if (process.listenerCount(signal) > 1) return;
  // Nobody else: the default behaviour (the process ends, without an 'exit' event) must still
  // happen, so clean up now and re-raise.
  killAllSync();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' also fires after an uncaught exception and on process.exit(); only synchronous work runs there.
  process.on('exit', killAllSync);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
}

function signalName(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128) return null;
  const n = code - 128;
  const entry = Object.entries(constants.signals).find(([, v]) => v === n);
  return entry === undefined ? null : (entry[0] as NodeJS.Signals);
}

/** Reads at most the last `maxBytes` of a file and returns its last `lines` lines. */
export function tailFile(path: string, lines: number = 20, maxBytes: number = 64 * 1024): string {
  let text: string;
  let fd: number | undefined;
  try {
    // Only the end of the file is read: an apiserver log can grow large during a long run.
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, maxBytes));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    text = buf.toString('utf8');
  } catch {
    return '(no log)';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const all = text.split('\n').filter((l) => l !== '');
  return all.slice(-lines).join('\n');
}

/** A binary running under the supervisor, logging stdout+stderr to `logPath`. */
export class SupervisedProcess {
  readonly name: string;
  readonly logPath: string;
  /** Pid of the supervisor; also the process group id. */
  readonly pgid: number;
  /** Settles once the binary has exited. */
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  readonly #child: ChildProcess;

  constructor(name: string, bin: string, args: readonly string[], logPath: string) {
    this.name = name;
    this.logPath = logPath;
    installExitHooks();
    const logFd = openSync(logPath, 'a', 0o600);
    try {
      this.#child = spawn('/bin/sh', ['-c', SUPERVISOR, `kubediag-${name}`, bin, ...args], {
        detached: true,
        stdio: ['pipe', logFd, logFd],
        env: process.env,
      });
    } finally {
      closeSync(logFd);
    }
    if (this.#child.pid === undefined) {
      // spawn of /bin/sh failed synchronously (ENOENT/EAGAIN); the 'error' event carries why.
      this.pgid = -1;
      this.exited = new Promise((resolve) => {
        this.#child.once('error', () => resolve((this.#exit = { code: 127, signal: null })));
      });
      return;
    }
    this.pgid = this.#child.pid;
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        live.delete(this);
        this.#exit = signal !== null ? { code: null, signal } : { code, signal: signalName(code) };
        resolve(this.#exit);
      });
    });
    // Neither the child nor our end of its lifeline pipe may keep the event loop (a test run) alive.
    this.#child.unref();
    const stdin = this.#child.stdin as Socket | null;
    stdin?.on('error', () => {});
    stdin?.unref();
  }

  /** The exit, once it happened. */
  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** Sends `signal` to the whole process group; ignores a group that is already gone. */
  killGroupSync(signal: NodeJS.Signals): void {
    if (this.pgid <= 0) return;
    try {
      process.kill(-this.pgid, signal);
    } catch {
      // ESRCH: nothing left to signal.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the binary is gone (bounded). */
  async stop(graceMs: number): Promise<Exit> {
    if (this.#exit !== undefined) {
      this.killGroupSync('SIGKILL'); // the watcher subshell, if it outlived the supervisor
      return this.#exit;
    }
    this.killGroupSync('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exited,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), graceMs))),
    ]);
    clearTimeout(timer);
    if (graceful === undefined) this.killGroupSync('SIGKILL');
    // SIGKILL cannot be refused; waiting for the exit event is bounded in practice.
    const exit = await this.exited;
    this.killGroupSync('SIGKILL');
    return exit;
  }
}
