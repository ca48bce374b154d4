import { readFile, stat } from 'node:fs/promises';
import type { AuditEvent } from '../types.ts';

/** Audit logs of a test run are small; refuse to slurp a runaway file. */
const MAX_AUDIT_LOG_BYTES = 64 * 1024 * 1024;

/** Parses the JSON-lines audit log at `path` (missing file: no events yet). */
export async function readAuditLog(path: string): Promise<AuditEvent[]> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return [];
  }
  if (size > MAX_AUDIT_LOG_BYTES) {
    throw new Error(`audit log ${path} is ${size} bytes; expected at most ${MAX_AUDIT_LOG_BYTES}`);
  }
  const text = await readFile(path, 'utf8');
  const events: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    // The apiserver may be mid-write: a trailing partial line is skipped, not an error.
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as AuditEvent);
    } catch {
      continue;
    }
  }
  return events;
}
