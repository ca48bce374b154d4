import { describe, expect, it } from 'vitest';
import { runLogWriter, type ReaderResult } from './faults/slow-reader.ts';

/*
 * A slow consumer of the operator's stdout (a container runtime's log pipe under pressure). A real
 * child process (withDiagnostics, its klog logger on stdout, a real FIFO) logs numbered ~200-byte
 * lines at 1000 lines/s (~200 KB/s). The parent reads the pipe slowly for 3 s (8 KiB every 50 ms,
 * ~160 KiB/s: less than is written, so the pipe fills), then not at all for PAUSE_MS, then at full
 * speed. No apiserver is needed; the file is in the integration project because that project runs
 * files one at a time, which keeps other test files' CPU out of the event-loop figures.
 *
 * Why these figures. @kubediag/klog's stdout writer keeps what the pipe does not accept in a buffer
 * bounded by maxBufferedBytes (default 8 MiB) and drops (counting) beyond it. The pause leaves about
 * 200 KB/s x 10 s = 2 MB waiting (the slow phase adds ~0.1 MB), a quarter of the bound: with the
 * default bound nothing may be lost. A second run with a 256 KiB bound must drop, and shows the drop
 * counted by the logger, reported in its own stream, and equal to the gap the reader sees.
 *
 * The stall bound. A writer that blocks on a full pipe stalls the event loop for the whole pause; a
 * non-blocking one only for its own work and the machine's noise (15-30 ms on a quiet run, up to
 * ~150 ms with other test runs on the 2 cores). The bound is a tenth of the pause (1 s), so a blocking
 * write misses it by an order of magnitude, and a control run with a blocking descriptor (the same
 * pipe reopened without O_NONBLOCK) must exceed it: the bound is shown to tell the two apart.
 *
 * CI: 15 s of writing with a 10 s pause per run (about 55 s for the file). KUBEDIAG_RELIABILITY=full:
 * a 20 s pause (~4 MB waiting, half the default bound) and a 2 s bound.
 */
const FULL = process.env['KUBEDIAG_RELIABILITY'] === 'full';
const RATE = 1000;
const SLOW_MS = 3_000;
const PAUSE_MS = FULL ? 20_000 : 10_000;
const DURATION_MS = SLOW_MS + PAUSE_MS + 2_000;
const STALL_BOUND_MS = PAUSE_MS / 10;
const DEFAULT_BOUND = 8 * 1024 * 1024;
const schedule = { slowMs: SLOW_MS, slowBytes: 8 * 1024, tickMs: 50, pauseMs: PAUSE_MS };
const timeout = DURATION_MS + PAUSE_MS + 60_000;

/** Every sequence number arrived once, in order, and those missing are exactly the ones not in `seqs`. */
function gaps(read: ReaderResult): { inOrder: boolean; missing: number } {
  let inOrder = true;
  for (let i = 1; i < read.seqs.length; i++) if (read.seqs[i]! <= read.seqs[i - 1]!) inOrder = false;
  const last = read.seqs.at(-1) ?? -1;
  return { inOrder, missing: last + 1 - read.seqs.length };
}

function record(name: string, r: Awaited<ReturnType<typeof runLogWriter>>): void {
  const { seqs: _seqs, ...read } = r.read;
  console.log(
    `[kubediag-reliability] slow-stdout ${name} ${JSON.stringify({
      ...r.report,
      received: r.read.seqs.length,
      ...read,
      pauseMs: PAUSE_MS,
      stallBoundMs: STALL_BOUND_MS,
      node: process.version,
    })}`,
  );
}

describe('reliability: slow consumer of the operator stdout', () => {
  it('loses no line and never stalls the event loop beyond the bound', { timeout }, async () => {
    const r = await runLogWriter(
      {
        mode: 'non-blocking',
        linesPerSecond: RATE,
        durationMs: DURATION_MS,
        maxBufferedBytes: DEFAULT_BOUND,
      },
      schedule,
    );
    record('non-blocking', r);
    expect(r.code).toBe(0);
    expect(r.report.written).toBe((RATE * DURATION_MS) / 1000);
    // The pipe really backed up into the logger's buffer (else the test proved nothing about it).
    expect(r.report.peakBufferedBytes).toBeGreaterThan(256 * 1024);
    // No loss: every line, once, in order.
    expect(r.report.droppedLines).toBe(0);
    expect(r.read.dropReports).toBe(0);
    expect(r.read.seqs.length).toBe(r.report.written);
    expect(gaps(r.read)).toEqual({ inOrder: true, missing: 0 });
    expect(r.read.seqs.at(-1)).toBe(r.report.written - 1);
    expect(r.report.maxDelayMs).toBeLessThan(STALL_BOUND_MS);
    expect(r.report.maxTickGapMs).toBeLessThan(STALL_BOUND_MS);
  });

  it(
    'counts and reports what it must drop when the bound is too small for the pause',
    { timeout },
    async () => {
      const r = await runLogWriter(
        { mode: 'non-blocking', linesPerSecond: RATE, durationMs: DURATION_MS, maxBufferedBytes: 256 * 1024 },
        schedule,
      );
      record('non-blocking, 256 KiB bound', r);
      expect(r.code).toBe(0);
      const { inOrder, missing } = gaps(r.read);
      expect(r.report.droppedLines).toBeGreaterThan(0);
      // Every missing line is counted by the logger and reported in the stream itself; nothing else is lost.
      expect(missing).toBe(r.report.droppedLines);
      expect(r.read.reportedDrops).toBe(r.report.droppedLines);
      expect(r.read.seqs.length + missing).toBe(r.report.written);
      expect(inOrder).toBe(true);
      expect(r.report.peakBufferedBytes).toBeLessThanOrEqual(256 * 1024);
      expect(r.report.maxDelayMs).toBeLessThan(STALL_BOUND_MS);
    },
  );

  it('control: a blocking descriptor on the same pipe stalls far beyond the bound', { timeout }, async () => {
    const r = await runLogWriter(
      { mode: 'blocking', linesPerSecond: RATE, durationMs: DURATION_MS, maxBufferedBytes: DEFAULT_BOUND },
      schedule,
    );
    record('blocking (control)', r);
    expect(r.code).toBe(0);
    expect(r.read.seqs.length).toBe(r.report.written);
    expect(r.report.maxDelayMs).toBeGreaterThan(STALL_BOUND_MS);
  });
});
