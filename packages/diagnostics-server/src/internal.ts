/**
 * `@kubediag/diagnostics-server/internal`: the module the health-probe watchdog's worker thread loads
 * (the package imports itself by name to find it, wherever its code was bundled). It carries no
 * compatibility promise: names and signatures change with any release.
 */
export { runProbeWorker } from './watchdog/worker.ts';
