import type { Logger } from '../types.ts';
import type { HeartbeatReader } from './heartbeat.ts';
import { formatBlockedDuration } from './blocked-report.ts';

/** The message of every watchdog line about a block, whatever its state. */
export const BLOCKED_MESSAGE = 'Event loop blocked';

/**
 * The "still blocked" lines, written from the worker while the main loop is blocked (the main thread
 * can write nothing then): `"Event loop blocked" duration="5.0s" state="still blocked"` once the block
 * reaches `intervalMs`, and again at each further `intervalMs`. The worker sleeps until the next line
 * could be due: one timer per interval while the loop turns. The `state="returned"` line is the main
 * thread's, which measures the whole gap at its next beat (host.ts).
 */
export class StallLog {
  readonly #heartbeat: HeartbeatReader;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The last beat before the block being logged, and how many lines it had. */
  #block: { beat: bigint; lines: number } | undefined;

  constructor(heartbeat: HeartbeatReader, log: Logger, intervalMs: number) {
    this.#heartbeat = heartbeat;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#intervalMs > 0) this.#tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const beat = this.#heartbeat.lastBeatNs();
    const age = this.#heartbeat.ageMs();
    if (this.#block?.beat !== beat) this.#block = { beat, lines: 0 };
    const block = this.#block;
    const due = Math.floor(age / this.#intervalMs);
    if (due > block.lines) {
      block.lines = due;
      this.#log.warning(BLOCKED_MESSAGE, { duration: formatBlockedDuration(age), state: 'still blocked' });
    }
    const next = (block.lines + 1) * this.#intervalMs - age;
    this.#timer = setTimeout(() => this.#tick(), Math.max(1, Math.ceil(next)));
  }
}
