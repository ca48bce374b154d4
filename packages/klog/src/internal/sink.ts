import { fstatSync, writeSync, closeSync } from 'node:fs';

// Where lines go. Three kinds:
// - FdSink: a file descriptor written with non-blocking writeSync calls of batched lines. Used for
//   process.stdout/stderr (files, /dev/null, TTYs and pipes) and createFileOutput(). A full pipe
//   (EAGAIN) never blocks: the data stays buffered and the write is retried from a timer.
// - StreamSink: any other Node Writable; writes batches and respects its backpressure ('drain').
// - DirectSink: a plain `{ write(string) }` object; each line is handed over at once (tests).
// FdSink and StreamSink hold at most `maxBufferedBytes` (UTF-16 code units, which equal bytes for
// ASCII lines) that the destination has not accepted yet; a line that does not fit is dropped and
// counted, and once the buffer has drained the count is reported as a log line.

/** Counters and controls of a sink. */
export interface Sink {
  write(line: string): void;
  /** Writes what can be written without blocking for more than `timeoutMs`; true when empty. */
  flushSync(timeoutMs: number): boolean;
  /** Resolves when everything buffered has been accepted by the destination (or dropped). */
  flush(): Promise<void>;
  /** Flushes, then stops accepting lines (later lines are counted as dropped). */
  close(): Promise<void>;
  readonly droppedLines: number;
  readonly bufferedBytes: number;
  /** Counts a line the logger could not produce (an internal failure). */
  drop(): void;
  /** Set by the logger: formats the "lines were dropped" report. */
  reportDrops: ((dropped: number) => string) | undefined;
}

/** Batches are flushed when they reach this size, or at the end of the event-loop turn. */
const FLUSH_AT = 64 * 1024;
// A full pipe is polled with non-blocking writes from a 1 ms timer: at most ~1 ms of idle pipe per
// cycle for a slow reader, and a few microseconds of CPU per attempt. After 100 attempts in a row
// without progress (a stuck reader) the poll slows to RETRY_STUCK_MS.
const RETRY_MS = 1;
const RETRY_STUCK_MS = 10;
const STUCK_AFTER = 100;

// One 'exit' listener for every sink that still holds data, so a process.exit() right after
// logging does not lose the last lines. Sinks are only in the set while they hold data.
const withPending = new Set<FdSink>();
let exitHookInstalled = false;
let exitFlushTimeoutMs = 1000;

function onExit(): void {
  for (const sink of withPending) sink.flushSync(exitFlushTimeoutMs);
}

function trackPending(sink: FdSink, timeoutMs: number): void {
  exitFlushTimeoutMs = timeoutMs;
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', onExit);
  }
  withPending.add(sink);
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function isAgain(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

function countLines(s: string | Buffer): number {
  let n = 0;
  if (typeof s === 'string') {
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  } else {
    for (let i = s.indexOf(10); i !== -1; i = s.indexOf(10, i + 1)) n++;
  }
  return n;
}

abstract class BufferedSink implements Sink {
  reportDrops: ((dropped: number) => string) | undefined = undefined;
  /** Full batches (about FLUSH_AT each) waiting to be written, oldest first. */
  protected queue: string[] = [];
  protected queuedChars = 0;
  /** The batch being filled. */
  protected pending = '';
  protected closed = false;
  protected broken = false;
  private droppedTotal = 0;
  private droppedUnreported = 0;
  private waiters: (() => void)[] = [];

  constructor(protected readonly maxBufferedBytes: number) {}

  get droppedLines(): number {
    return this.droppedTotal;
  }

  abstract get bufferedBytes(): number;
  abstract flushSync(timeoutMs: number): boolean;
  /** Starts writing; returns true when nothing is left to write. */
  protected abstract drain(): boolean;
  protected abstract scheduleFlush(): void;
  protected abstract isWaiting(): boolean;

  write(line: string): void {
    if (this.closed || this.broken || this.bufferedBytes + line.length > this.maxBufferedBytes) {
      this.droppedTotal++;
      this.droppedUnreported++;
      return;
    }
    this.pending += line;
    // Batches are kept separate (never one multi-megabyte string): each is encoded and written on
    // its own, so a backlog never costs one long copy on the event loop.
    if (this.pending.length >= FLUSH_AT) {
      this.queue.push(this.pending);
      this.queuedChars += this.pending.length;
      this.pending = '';
      if (!this.isWaiting()) this.drain();
    } else if (!this.isWaiting()) {
      this.scheduleFlush();
    }
  }

  drop(): void {
    this.droppedTotal++;
    this.droppedUnreported++;
  }

  protected dropPending(lines: number): void {
    this.droppedTotal += lines;
    this.droppedUnreported += lines;
  }

  /** Takes the oldest batch (or the one being filled), or undefined when nothing is left. */
  protected nextBatch(): string | undefined {
    const q = this.queue.shift();
    if (q !== undefined) {
      this.queuedChars -= q.length;
      return q;
    }
    if (this.pending.length === 0) return undefined;
    const p = this.pending;
    this.pending = '';
    return p;
  }

  /** Discards everything buffered (the destination failed), counting the lines. */
  protected dropBuffered(extra: number): void {
    let lines = extra + countLines(this.pending);
    for (const q of this.queue) lines += countLines(q);
    this.queue = [];
    this.queuedChars = 0;
    this.pending = '';
    this.dropPending(lines);
  }

  /** Called after a write completed and nothing is left: report drops, wake flush() callers. */
  protected drained(): void {
    if (this.droppedUnreported > 0 && this.reportDrops !== undefined && !this.broken) {
      const n = this.droppedUnreported;
      this.droppedUnreported = 0;
      this.pending += this.reportDrops(n);
      if (!this.drain()) return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  flush(): Promise<void> {
    if (this.broken || this.drain()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.onClose();
  }

  protected onClose(): void {}

  protected wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Non-blocking writes to a file descriptor with a bounded buffer. */
export class FdSink extends BufferedSink {
  private inflight: Buffer | undefined = undefined;
  private immediate: NodeJS.Immediate | undefined = undefined;
  private retryTimer: NodeJS.Timeout | undefined = undefined;
  private attemptsWithoutProgress = 0;

  constructor(
    private readonly fd: number,
    maxBufferedBytes: number,
    private readonly exitTimeoutMs: number,
    private readonly ownsFd: boolean,
  ) {
    super(maxBufferedBytes);
  }

  get bufferedBytes(): number {
    return this.queuedChars + this.pending.length + (this.inflight?.length ?? 0);
  }

  protected isWaiting(): boolean {
    return this.retryTimer !== undefined;
  }

  protected scheduleFlush(): void {
    if (this.immediate === undefined) {
      this.immediate = setImmediate(this.onImmediate);
      trackPending(this, this.exitTimeoutMs);
    }
  }

  private readonly onImmediate = (): void => {
    this.immediate = undefined;
    this.drain();
  };

  private readonly onRetry = (): void => {
    this.retryTimer = undefined;
    this.drain();
  };

  // One pass of non-blocking writes: 'done' (all written), 'again' (destination full), 'failed'.
  private writeOnce(): 'done' | 'again' | 'failed' {
    try {
      for (;;) {
        if (this.inflight !== undefined) {
          const n = writeSync(this.fd, this.inflight);
          if (n > 0) this.attemptsWithoutProgress = 0;
          if (n < this.inflight.length) {
            this.inflight = this.inflight.subarray(n);
            return 'again';
          }
          this.inflight = undefined;
        }
        const batch = this.nextBatch();
        if (batch === undefined) return 'done';
        this.inflight = Buffer.from(batch, 'utf8');
      }
    } catch (e) {
      if (isAgain(e)) return 'again';
      // EPIPE (reader gone), EBADF, EIO...: nothing more can be written; count what is lost.
      this.broken = true;
      this.dropBuffered(this.inflight ? countLines(this.inflight) : 0);
      this.inflight = undefined;
      return 'failed';
    }
  }

  protected drain(): boolean {
    if (this.retryTimer !== undefined) return false;
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    const r = this.writeOnce();
    if (r === 'again') {
      this.attemptsWithoutProgress++;
      this.retryTimer = setTimeout(
        this.onRetry,
        this.attemptsWithoutProgress > STUCK_AFTER ? RETRY_STUCK_MS : RETRY_MS,
      );
      trackPending(this, this.exitTimeoutMs);
      return false;
    }
    this.attemptsWithoutProgress = 0;
    withPending.delete(this);
    if (r === 'failed') {
      this.wakeAll();
      return true;
    }
    this.drained();
    return this.bufferedBytes === 0;
  }

  flushSync(timeoutMs: number): boolean {
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.writeOnce();
      if (r !== 'again') break;
      if (Date.now() >= deadline) {
        this.retryTimer = setTimeout(this.onRetry, RETRY_MS);
        return false;
      }
      sleepSync(RETRY_MS);
    }
    withPending.delete(this);
    if (!this.broken) this.drained();
    else this.wakeAll();
    return this.bufferedBytes === 0;
  }

  protected override onClose(): void {
    if (this.ownsFd) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
  }
}

interface WritableLike {
  write(chunk: string, cb: (err?: Error | null) => void): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  readonly writableLength: number;
}

/** Batched writes to a Node Writable, pausing on backpressure until 'drain'. */
export class StreamSink extends BufferedSink {
  private waitingDrain = false;
  private outstanding = 0;
  private immediate: NodeJS.Immediate | undefined = undefined;

  constructor(
    private readonly stream: WritableLike,
    maxBufferedBytes: number,
  ) {
    super(maxBufferedBytes);
    stream.on('error', () => {
      this.broken = true;
      this.dropBuffered(0);
      this.wakeAll();
    });
  }

  get bufferedBytes(): number {
    return this.queuedChars + this.pending.length + this.stream.writableLength;
  }

  protected isWaiting(): boolean {
    return this.waitingDrain;
  }

  protected scheduleFlush(): void {
    this.immediate ??= setImmediate(this.onImmediate);
  }

  private readonly onImmediate = (): void => {
    this.immediate = undefined;
    this.drain();
  };

  private readonly onDrain = (): void => {
    this.waitingDrain = false;
    this.drain();
  };

  // The stream has accepted a chunk: flush() callers wait for this, not for write() returning.
  private readonly onWritten = (): void => {
    this.outstanding--;
    if (this.outstanding === 0 && this.queuedChars + this.pending.length === 0 && !this.waitingDrain)
      this.drained();
  };

  protected drain(): boolean {
    if (this.waitingDrain || this.broken) return false;
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    for (let chunk = this.nextBatch(); chunk !== undefined; chunk = this.nextBatch()) {
      this.outstanding++;
      if (!this.stream.write(chunk, this.onWritten)) {
        this.waitingDrain = true;
        this.stream.once('drain', this.onDrain);
        return false;
      }
    }
    if (this.outstanding > 0) return false;
    this.drained();
    return this.queuedChars + this.pending.length === 0;
  }

  flushSync(): boolean {
    this.drain();
    return this.bufferedBytes === 0;
  }
}

/** Hands each line to a `{ write(string) }` object at once. Never buffers, never drops. */
export class DirectSink implements Sink {
  reportDrops: ((dropped: number) => string) | undefined = undefined;
  private closed = false;
  private dropped = 0;

  constructor(private readonly out: { write(chunk: string): unknown }) {}

  get droppedLines(): number {
    return this.dropped;
  }

  get bufferedBytes(): number {
    return 0;
  }

  write(line: string): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    this.out.write(line);
  }

  drop(): void {
    this.dropped++;
  }

  flushSync(): boolean {
    return true;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Whether writeSync on this fd is safe for the event loop (see createSink). */
export function fdKind(fd: number): 'file' | 'pipe' | 'other' {
  try {
    // bigint: Node 20 keeps the last number-typed stat in one shared array, and a FIFO's left there
    // breaks the next import() of a package reached through a symlink (pnpm): its own dependencies
    // are then looked up from the link, not the real path. Containers log to FIFOs; the lazy import
    // of @kubernetes/client-node comes right after the logger is made.
    const st = fstatSync(fd, { bigint: true });
    if (st.isFile() || st.isCharacterDevice()) return 'file';
    if (st.isFIFO() || st.isSocket()) return 'pipe';
    return 'other';
  } catch {
    return 'other';
  }
}
