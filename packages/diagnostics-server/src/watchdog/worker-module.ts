/** What the watchdog's worker thread loads: the module exporting `runProbeWorker`, and a loader first if any. */
export interface WorkerModule {
  /** URL of the module (this package's `./internal` entry). */
  readonly entry: string;
  /** URL of a module whose `register()` must run before `entry` is imported. */
  readonly loader?: string;
}

/**
 * This package's `./internal` entry, resolved by its own name (a package may import itself through its
 * `exports`): `dist/internal.js` once built, whichever chunk this code was bundled into.
 *
 * From this repository's TypeScript sources (the `@kubediag/source` condition of its tests and
 * benchmarks) the entry is `src/internal.ts`: the worker then registers tsx before importing it,
 * because Node 20 runs no TypeScript and a loader given to the parent (`--import tsx`) does not reach
 * a worker thread there (measured; Node 24 strips types but refuses constructs tsx accepts). Published
 * packages are JavaScript and never take this path.
 */
export function probeWorkerModule(): WorkerModule {
  const entry = import.meta.resolve('@kubediag/diagnostics-server/internal');
  if (!entry.endsWith('.ts')) return { entry };
  return { entry, loader: import.meta.resolve('tsx/esm/api') };
}

/**
 * The worker's bootstrap (CommonJS, run with `eval`): register the loader if any, then hand the
 * worker data to `runProbeWorker`. A failure to load rejects, which ends the worker with an 'error'.
 */
export const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.module.loader !== undefined) (await import(workerData.module.loader)).register();
  await (await import(workerData.module.entry)).runProbeWorker(workerData.data);
})();
`;
