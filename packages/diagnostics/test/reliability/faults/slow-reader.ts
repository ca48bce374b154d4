import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** What the child operator reports once every line has been written. */
export interface WriterReport {
  readonly mode: string;
  readonly written: number;
  readonly droppedLines: number;
  readonly peakBufferedBytes: number;
  readonly maxDelayMs: number;
  readonly p99DelayMs: number;
  readonly meanDelayMs: number;
  readonly maxTickGapMs: number;
}

/** What the slow reader got from the child's stdout. */
export interface ReaderResult {
  /** Sequence numbers of the `tick` lines, in the order they arrived. */
  readonly seqs: number[];
  /** Sum of `droppedLines=N` over the logger's "could not keep up" reports. */
  readonly reportedDrops: number;
  readonly dropReports: number;
  readonly bytes: number;
}

/**
 * How the parent consumes the pipe, measured from the first byte: `slowMs` reading at most `slowBytes`
 * every `tickMs`, then `pauseMs` reading nothing at all, then everything as fast as it comes.
 */
export interface ReadSchedule {
  readonly slowMs: number;
  readonly slowBytes: number;
  readonly tickMs: number;
  readonly pauseMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Consumes `stream` on `schedule` until it ends, parsing the klog lines as they complete. */
async function readSlowly(stream: Readable, schedule: ReadSchedule): Promise<ReaderResult> {
  stream.pause();
  let ended = false;
  stream.once('end', () => (ended = true));
  const seqs: number[] = [];
  let reportedDrops = 0;
  let dropReports = 0;
  let bytes = 0;
  let partial = '';
  const consume = (chunk: Buffer): void => {
    bytes += chunk.length;
    const lines = (partial + chunk.toString('latin1')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const tick = /"tick" .*?seq=(\d+)/.exec(line);
      if (tick !== null) seqs.push(Number(tick[1]));
      const drops = /could not keep up; lines were dropped" droppedLines=(\d+)/.exec(line);
      if (drops !== null) {
        dropReports++;
        reportedDrops += Number(drops[1]);
      }
    }
  };
  let firstByteAt: number | undefined;
  while (!ended) {
    const elapsed = firstByteAt === undefined ? 0 : performance.now() - firstByteAt;
    const paused = elapsed >= schedule.slowMs && elapsed < schedule.slowMs + schedule.pauseMs;
    if (!paused) {
      const slow = elapsed < schedule.slowMs;
      const budget = slow ? schedule.slowBytes : Infinity;
      let taken = 0;
      while (taken < budget && stream.readableLength > 0) {
        const chunk = stream.read(Math.min(budget - taken, stream.readableLength)) as Buffer | null;
        if (chunk === null) break;
        firstByteAt ??= performance.now();
        taken += chunk.length;
        consume(chunk);
      }
      // Lets the stream refill from the pipe (and notice its end).
      stream.read(0);
    }
    await sleep(schedule.tickMs);
  }
  return { seqs, reportedDrops, dropReports, bytes };
}

/**
 * A real pipe (a FIFO), as a container runtime gives a container for its stdout: Node's own
 * `stdio: 'pipe'` is a socket pair, which behaves differently when full and cannot be reopened.
 * Returns the read end (non-blocking, for this process) and the write end (for the child).
 */
function fifo(): { readFd: number; writeFd: number; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kubediag-stdout-'));
  const path = join(dir, 'stdout');
  execFileSync('mkfifo', ['-m', '600', path]);
  // Read end first (non-blocking, so the open does not wait for a writer), then the write end.
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY);
  return { readFd, writeFd, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the log-writer operator as a real child process with its stdout on a pipe that this process
 * reads on `schedule`; resolves with both sides' figures once the child has exited.
 */
export function runLogWriter(
  args: {
    mode: 'non-blocking' | 'blocking';
    linesPerSecond: number;
    durationMs: number;
    maxBufferedBytes: number;
  },
  schedule: ReadSchedule,
): Promise<{ report: WriterReport; read: ReaderResult; code: number | null; stderr: string }> {
  const fixture = fileURLToPath(new URL('./log-writer-operator.mts', import.meta.url));
  const pipe = fifo();
  const child = spawn(
    process.execPath,
    [
      '--conditions=@kubediag/source',
      '--import',
      'tsx',
      fixture,
      args.mode,
      String(args.linesPerSecond),
      String(args.durationMs),
      String(args.maxBufferedBytes),
    ],
    {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', pipe.writeFd, 'pipe', 'ipc'],
    },
  );
  // Only the child may hold the write end, or the reader would never see the end of the stream.
  closeSync(pipe.writeFd);
  const stdout = new Socket({ fd: pipe.readFd, readable: true, writable: false });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c.slice(0, 10_000)));
  let report: WriterReport | undefined;
  child.on('message', (m) => (report = m as WriterReport));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return (async () => {
    try {
      const read = await readSlowly(stdout, schedule);
      const code = await exited;
      if (report === undefined)
        throw new Error(`log writer exited (${String(code)}) without a report: ${stderr}`);
      return { report, read, code, stderr };
    } finally {
      stdout.destroy();
      pipe.cleanup();
    }
  })();
}
