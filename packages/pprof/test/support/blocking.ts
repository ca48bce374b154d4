import { Script } from 'node:vm';

/** Where the blocking functions' code claims to live; the loop is on line 4. */
export const blockingFile = (name: string): string => `/kubediag-test/${name}.js`;

/**
 * A function named `name` that holds the event loop for `ms` milliseconds, computing. Each is compiled
 * as a script of its own, so it is a function V8 has not optimised in an earlier test. Code V8 compiled
 * before the running profiler started (the on-stack replacement of a hot loop, a caller it was inlined
 * into) is not known to that profiler: its samples would carry no name, or the caller's (measured:
 * bench/RESULTS.md). A recorder that runs from the start of an operator does not have this problem.
 * The block is timed on the monotonic clock the recorder measures with: `Date.now()` can be stepped
 * by the host's clock sync, and a 1000 ms block by it once lasted 997 ms on the recorder's clock.
 */
export function blockingFunction(name: string): (ms: number) => number {
  const source = [
    `(function ${name}(ms) {`,
    '  const end = performance.now() + ms;',
    '  let acc = 0;',
    '  while (performance.now() < end) for (let i = 0; i < 100000; i++) acc += Math.sqrt(i);',
    '  return acc;',
    '})',
  ].join('\n');
  return new Script(source, { filename: blockingFile(name) }).runInThisContext() as (ms: number) => number;
}
