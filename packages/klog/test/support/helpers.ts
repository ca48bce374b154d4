import type { LoggerOptions } from '../../src/index.ts';

// 2026-01-02 15:04:05.123456 in the test process's time zone (the test files set TZ=UTC).
export const FIXED_MS = Date.UTC(2026, 0, 2, 15, 4, 5, 123) + 0.456;
export const PID = String(process.pid).padStart(7, ' ');

/** An output that records every line (a DirectSink: synchronous, unbuffered). */
export function capture(): { output: { write(s: string): boolean }; lines: string[]; text: () => string } {
  const lines: string[] = [];
  return {
    output: {
      write(s: string) {
        lines.push(s);
        return true;
      },
    },
    lines,
    text: () => lines.join(''),
  };
}

/** Options for golden tests: fixed clock, captured output, no caller (`???:1`). */
export function golden(extra: LoggerOptions = {}): {
  options: LoggerOptions;
  lines: string[];
  text: () => string;
} {
  const c = capture();
  return {
    options: { clock: () => FIXED_MS, output: c.output, caller: false, ...extra },
    lines: c.lines,
    text: c.text,
  };
}

/** `I0102 15:04:05.123456 <pid> ???:1] ` */
export function header(severity = 'I', location = '???:1'): string {
  return `${severity}0102 15:04:05.123456 ${PID} ${location}] `;
}

/** The line number of the caller of here(). */
export function here(): number {
  const stack = new Error().stack!.split('\n')[2]!;
  return Number(/:(\d+):\d+\)?$/.exec(stack)![1]);
}
