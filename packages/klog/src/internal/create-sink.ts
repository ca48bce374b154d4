import { DirectSink, FdSink, StreamSink, fdKind } from './sink.ts';
import type { Sink } from './sink.ts';
import { isFileOutput } from '../output.ts';
import type { LogOutput } from '../output.ts';

interface StreamLike {
  write(chunk: string, cb: (err?: Error | null) => void): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  readonly writableLength: number;
}

function isStream(o: object): o is StreamLike {
  return (
    typeof (o as Partial<StreamLike>).once === 'function' &&
    typeof (o as Partial<StreamLike>).writableLength === 'number'
  );
}

/** Picks the sink for an output (see sink.ts for the three kinds). */
export function createSink(output: LogOutput, maxBufferedBytes: number, exitFlushTimeoutMs: number): Sink {
  if (isFileOutput(output)) return new FdSink(output.fd, maxBufferedBytes, exitFlushTimeoutMs, output.ownsFd);
  if (output === process.stderr || output === process.stdout) {
    const fd = output === process.stderr ? 2 : 1;
    // In a worker thread process.stdout/stderr are not the fds; keep the stream there.
    const kind = (output as { fd?: unknown }).fd === fd ? fdKind(fd) : 'other';
    // Touching process.stdout/stderr made libuv open a pipe in non-blocking mode, so writeSync on
    // a full pipe fails with EAGAIN instead of blocking the event loop.
    if (kind === 'file' || kind === 'pipe')
      return new FdSink(fd, maxBufferedBytes, exitFlushTimeoutMs, false);
  }
  if (isStream(output)) return new StreamSink(output, maxBufferedBytes);
  return new DirectSink(output);
}
