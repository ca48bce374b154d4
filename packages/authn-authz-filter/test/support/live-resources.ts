import { createHook } from 'node:async_hooks';

// What can outlive its owner: timers, sockets, servers, pipes, file watchers.
const TRACKED = new Set([
  'Timeout',
  'TCPWRAP',
  'TLSWRAP',
  'TCPSERVERWRAP',
  'PIPEWRAP',
  'UDPWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
]);

export interface ResourceLedger {
  /** Types of the tracked resources made by the code under watch and not destroyed yet. */
  live(): string[];
  stop(): void;
}

/**
 * Records every timer, socket and watcher created while code under `dir` is on the stack, until it is
 * destroyed. Unlike `process.getActiveResourcesInfo()`, it also sees what was unref'd (a reload timer,
 * an idle pooled connection), which does not keep the process alive but still leaks.
 */
export function trackResourcesFrom(dir: string): ResourceLedger {
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (!TRACKED.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 100;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (stack.includes(dir)) live.set(asyncId, type);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return { live: () => [...live.values()], stop: () => void hook.disable() };
}

/** What `after` holds beyond `before`, both lists of `process.getActiveResourcesInfo()`. */
export function beyond(before: readonly string[], after: readonly string[]): string[] {
  const left = [...before];
  return after.filter((type) => {
    const i = left.indexOf(type);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}
