import type { Writable } from 'node:stream';

const FD_OUTPUT: unique symbol = Symbol.for('kubediag.klog.fdOutput');

/**
 * Where lines are written: a Node `Writable` (written in batches, respecting backpressure), a plain
 * `{ write(string) }` object (called once per line, synchronously: handy in tests), or a file made
 * by `createFileOutput`. `process.stdout` and `process.stderr` are recognized and written
 * through their file descriptor without blocking (see the README's buffer policy).
 */
export type LogOutput = Writable | { write(chunk: string): unknown } | FileOutput;

/** A file descriptor the logger writes to directly (batched, non-blocking). */
export interface FileOutput {
  readonly [FD_OUTPUT]: true;
  readonly fd: number;
  /** Whether closing the logger output closes the descriptor. */
  readonly ownsFd: boolean;
}

/** A file output on `fd`; the logger closes the descriptor on close() when it `ownsFd`. */
export function fileOutput(fd: number, ownsFd: boolean): FileOutput {
  return { [FD_OUTPUT]: true, fd, ownsFd };
}

/** Whether `o` was made by `createFileOutput`. */
export function isFileOutput(o: unknown): o is FileOutput {
  return typeof o === 'object' && o !== null && (o as Partial<FileOutput>)[FD_OUTPUT] === true;
}

/** Shutdown and health of a logger's output, shared by the logger and all its children. */
export interface OutputControl {
  /** Lines dropped because the buffer was full, the destination failed, or after close(). */
  readonly droppedLines: number;
  /** Bytes accepted by the logger and not yet accepted by the destination. */
  readonly bufferedBytes: number;
  /** Resolves once everything buffered has been handed to the destination. */
  flush(): Promise<void>;
  /**
   * Writes what it can right now, waiting at most `timeoutMs` (default 1000) for a slow pipe;
   * returns true when nothing is left. For shutdown paths that cannot await.
   */
  flushSync(timeoutMs?: number): boolean;
  /** Flushes, then stops writing (later lines are counted as dropped); closes files it opened. */
  close(): Promise<void>;
}
