/**
 * Measured figures of a reliability run: printed, and written as JSON for docs/reliability.md to
 * `$KUBEDIAG_RELIABILITY_OUT` (default `<tmp>/kubediag-reliability/`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

export const FULL_RUN = process.env.KUBEDIAG_RELIABILITY === 'full';

function outDir(): string {
  const dir = process.env.KUBEDIAG_RELIABILITY_OUT ?? join(tmpdir(), 'kubediag-reliability');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Keeps a captured log next to the figures (for a failure's post-mortem); returns its path. */
export function keepLog(name: string, text: string): string {
  const file = join(outDir(), `${name}.log`);
  writeFileSync(file, text);
  return file;
}

export function recordFigures(name: string, figures: Readonly<Record<string, unknown>>): string {
  const file = join(outDir(), `${name}.json`);
  const doc = {
    name,
    node: process.version,
    cpus: availableParallelism(),
    full: FULL_RUN,
    at: new Date().toISOString(),
    ...figures,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  console.log(`[reliability] ${name}: ${JSON.stringify(figures)}\n[reliability] written to ${file}`);
  return file;
}

/** Counts of `values` by key, sorted by key. */
export function histogram(values: Iterable<string | number>): Record<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

/** A positive integer from the environment, else `fallback`. */
export function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
