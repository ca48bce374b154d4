import type * as Tls from 'node:tls';

/**
 * `node:tls`, taken with `process.getBuiltinModule` rather than an ESM import. Importing a builtin
 * from ESM makes Node build its ESM facade, which reads every export once; `tls.rootCertificates` is
 * a lazy getter, so the facade parses Node's ~150 bundled root certificates into strings the process
 * then keeps for its lifetime (0.2 MiB of heap, measured by bench/idle-memory.ts in
 * @kubediag/diagnostics) — for nothing: the diagnostics port never verifies against the public roots.
 */
export const tls: typeof Tls = process.getBuiltinModule('node:tls');
