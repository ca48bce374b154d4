import { createHook, type AsyncHook } from 'node:async_hooks';

/**
 * What keeps a port or a process busy: timers, sockets, listeners, file watches, worker threads and
 * their message ports. Not TLSWRAP: the TLS layer over a socket is destroyed by the garbage collector,
 * whereas its socket (a TCPWRAP) is closed.
 */
const HELD = new Set([
  'Timeout',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
  'WORKER',
  'MESSAGEPORT',
]);

/**
 * Records every timer, socket, listener and file watch opened from `start()` on, and forgets each once
 * it is closed. `process.getActiveResourcesInfo()` alone cannot prove a component closed what it
 * opened: it does not list unref'd timers and handles (the cert-dir poll, a non-persistent file watch,
 * a filter's reload timer), and async hooks see each one's creation and destruction.
 */
export class ResourceWatch {
  readonly #open = new Map<number, string>();
  readonly #hook: AsyncHook;
  #ignoring = false;

  constructor() {
    this.#hook = createHook({
      init: (id, type) => {
        if (!this.#ignoring && HELD.has(type)) this.#open.set(id, type);
      },
      destroy: (id) => {
        this.#open.delete(id);
      },
    });
  }

  start(): this {
    this.#hook.enable();
    return this;
  }

  stop(): void {
    this.#hook.disable();
  }

  /** The types of what was opened since `start()` and is still open, sorted. */
  stillOpen(): string[] {
    return [...this.#open.values()].sort();
  }

  /** What is still open once everything closed, or `withinMs` passed: empty when nothing outlived. */
  async remaining(withinMs = 5000): Promise<string[]> {
    await this.until(() => this.#open.size === 0, withinMs);
    return this.stillOpen();
  }

  /**
   * Polls `done` every 20 ms until it holds or `withinMs` passed (a bound so a failing test ends, not
   * a timing check); the poll's own timers are not recorded. Resolves with the last result.
   */
  async until(done: () => boolean, withinMs = 5000): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    while (!done()) {
      if (Date.now() >= deadline) return false;
      await new Promise<void>((resolve) => {
        this.#ignoring = true;
        try {
          setTimeout(resolve, 20);
        } finally {
          this.#ignoring = false;
        }
      });
    }
    return true;
  }
}

/**
 * Watches what `body` opens and, whatever happens in it, stops watching and runs `cleanup` (the
 * test's own resources, freed even when an assertion failed first).
 */
export async function watchingResources(
  body: (watch: ResourceWatch) => Promise<void>,
  cleanup: () => void,
): Promise<void> {
  const watch = new ResourceWatch().start();
  try {
    await body(watch);
  } finally {
    watch.stop();
    cleanup();
  }
}

/** `process.getActiveResourcesInfo()` now, to compare with {@link activeSince}. */
export function activeResources(): readonly string[] {
  return process.getActiveResourcesInfo();
}

/**
 * What `process.getActiveResourcesInfo()` lists now that it did not list in `before` (counted per
 * type), sorted. Only what is new counts: an fs request or timer of the test runner that was pending
 * in `before` may be gone since.
 */
export function activeSince(before: readonly string[]): string[] {
  const left = [...before];
  const added: string[] = [];
  for (const type of process.getActiveResourcesInfo()) {
    const i = left.indexOf(type);
    if (i === -1) added.push(type);
    else left.splice(i, 1);
  }
  return added.sort();
}
