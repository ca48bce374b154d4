import { expect } from 'vitest';

/**
 * Waits until `condition` holds, polling every 10 ms for at most 5 s, then asserts it: for what
 * happens on its own time (a file reload, sockets closing), without betting on how long it takes.
 */
export async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}
