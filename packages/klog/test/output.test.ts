import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileOutput, createLogger, getOutputControl } from '../src/index.ts';

import { compilePackage } from './support/compile-source.ts';

const fixture = fileURLToPath(new URL('./fixtures/pipe-writer.mjs', import.meta.url));
let compiled: string | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'klog-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A Writable that accepts a chunk only when `release()` is called (or after `delayMs`). */
function slowWritable(options: { highWaterMark: number; delayMs?: number }) {
  const chunks: string[] = [];
  const held: (() => void)[] = [];
  let holding = options.delayMs === undefined;
  const stream = new Writable({
    highWaterMark: options.highWaterMark,
    decodeStrings: false,
    write(chunk: string, _enc, cb) {
      const accept = () => {
        chunks.push(chunk);
        cb();
      };
      if (holding) held.push(accept);
      else setTimeout(accept, options.delayMs);
    },
  });
  return {
    stream,
    text: () => chunks.join(''),
    release() {
      holding = false;
      for (const a of held.splice(0)) a();
    },
  };
}

function indices(text: string, re: RegExp): number[] {
  return [...text.matchAll(re)].map((m) => Number(m[1]));
}

describe('stream output', () => {
  it('writes every line in order to a slow Writable, respecting backpressure', async () => {
    const w = slowWritable({ highWaterMark: 256, delayMs: 1 });
    const log = createLogger({ output: w.stream, caller: false, format: 'json' });
    for (let i = 0; i < 3000; i++) log.info('line', { i });
    await getOutputControl(log).flush();
    const got = indices(w.text(), /"i":(\d+)/g);
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(getOutputControl(log).droppedLines).toBe(0);
  });

  it('drops and counts lines beyond maxBufferedBytes, then reports the count once drained', async () => {
    const w = slowWritable({ highWaterMark: 64 });
    const log = createLogger({ output: w.stream, caller: false, format: 'json', maxBufferedBytes: 4096 });
    for (let i = 0; i < 500; i++) log.info('line', { i });
    await new Promise((r) => setImmediate(r));
    const out = getOutputControl(log);
    expect(out.droppedLines).toBeGreaterThan(0);
    const dropped = out.droppedLines;
    w.release();
    await out.flush();
    const text = w.text();
    const kept = indices(text, /"i":(\d+)/g);
    expect(kept.length + dropped).toBe(500);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(text).toContain(
      `"msg":"Log output could not keep up; lines were dropped","v":0,"droppedLines":${dropped}}\n`,
    );
  });

  it('counts lines written after close() as dropped', async () => {
    const w = slowWritable({ highWaterMark: 1024, delayMs: 0 });
    const log = createLogger({ output: w.stream, caller: false });
    log.info('before');
    await getOutputControl(log).close();
    log.info('after');
    expect(getOutputControl(log).droppedLines).toBe(1);
    expect(w.text()).toContain('"before"');
    expect(w.text()).not.toContain('"after"');
  });
});

describe('file output', () => {
  it('appends batched lines to a file and closes it', async () => {
    const path = join(tmp, 'log.txt');
    const log = createLogger({ output: createFileOutput(path), caller: false });
    for (let i = 0; i < 1000; i++) log.V(0).info('line', { i });
    await getOutputControl(log).close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1000);
    expect(lines[999]).toMatch(/\] "line" i=999$/);
  });

  it('writes synchronously with flushSync()', () => {
    const path = join(tmp, 'sync.txt');
    const log = createLogger({ output: createFileOutput(path), caller: false });
    log.info('one');
    expect(getOutputControl(log).bufferedBytes).toBeGreaterThan(0);
    expect(getOutputControl(log).flushSync()).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/"one"\n$/);
  });
});

interface ChildReport {
  dropped: number;
  ticks: number;
}

/** Runs the fixture with stderr on a pipe the parent reads slowly: not at all until the child has
 * written every line, then in sips. */
function runSlowPipe(mode: string, count: number, maxBufferedBytes: number) {
  return new Promise<{ text: string; report: ChildReport; code: number | null }>((resolve, reject) => {
    compiled ??= compilePackage();
    const child = spawn(
      process.execPath,
      [fixture, mode, String(count), String(maxBufferedBytes), compiled],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      },
    );
    const chunks: Buffer[] = [];
    let report: ChildReport | undefined;
    const stderr = child.stderr!;
    stderr.pause();
    const seen: string[] = [];
    const watchdog = setTimeout(() => {
      child.kill();
      reject(
        new Error(
          `slow-pipe child stuck: messages ${seen.join(',')}, ${Buffer.concat(chunks).length} bytes read`,
        ),
      );
    }, 40_000);
    child.on('exit', () => clearTimeout(watchdog));
    child.on('message', (m: ChildReport & { type: string }) => {
      seen.push(JSON.stringify(m));
      if (m.type === 'report') report = m;
      if (m.type !== 'written') return;
      stderr.on('data', (c: Buffer) => {
        chunks.push(c);
        // A slow consumer: take a chunk, then look away for a moment.
        stderr.pause();
        setTimeout(() => stderr.resume(), 2);
      });
      stderr.resume();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (report === undefined)
        reject(new Error(`child sent no report (exit ${code}): ${Buffer.concat(chunks).toString()}`));
      else resolve({ text: Buffer.concat(chunks).toString(), report, code });
    });
  });
}

describe('slow pipe (a real child process writing to stderr)', () => {
  it('loses no line and keeps the event loop running while the reader is slow', async () => {
    const n = 20000;
    const { text, report, code } = await runSlowPipe('flush', n, 8 * 1024 * 1024);
    expect(code).toBe(0);
    expect(report.dropped).toBe(0);
    expect(indices(text, / i=(\d+) /g)).toEqual(Array.from({ length: n }, (_, i) => i));
    // Timers fired while the pipe was full and the reader slow: the writes never blocked the loop.
    expect(report.ticks).toBeGreaterThan(0);
  }, 60_000);

  it('drops beyond the bound, counts it, and logs the count when the pipe recovers', async () => {
    const n = 10000; // ~1 MB: more than the 16 KiB bound plus what the kernel pipe holds
    const { text, report } = await runSlowPipe('flush', n, 16 * 1024);
    expect(report.dropped).toBeGreaterThan(0);
    const kept = indices(text, / i=(\d+) /g);
    expect(kept.length + report.dropped).toBe(n);
    // Each time the pipe drains after a loss, one W line reports the lines lost since the last one.
    const reports = indices(
      text,
      /^W.*\] "Log output could not keep up; lines were dropped" droppedLines=(\d+)$/gm,
    );
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.reduce((a, b) => a + b, 0)).toBe(report.dropped);
  }, 60_000);

  it('writes buffered lines on process.exit()', async () => {
    const n = 5000;
    const { text, report } = await runSlowPipe('exit', n, 8 * 1024 * 1024);
    expect(report.dropped).toBe(0);
    expect(indices(text, / i=(\d+) /g)).toHaveLength(n);
  }, 60_000);
});
