import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Name of the file that records which process owns a temp dir. */
const OWNER_FILE = 'owner.pid';

/** Records the current process as the owner of `dir`. */
export async function claimDir(dir: string): Promise<void> {
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`, { mode: 0o600 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; only ESRCH means gone.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes `<parent>/<prefix>*` dirs whose owner process is gone. Only a SIGKILL of the owner leaves
 * one behind (every other exit path removes it), so this runs at the next start. Dirs without an
 * owner file are left alone: they may be starting right now.
 */
export async function sweepStaleDirs(parent: string, prefix: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(parent)).filter((e) => e.startsWith(prefix));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const dir = join(parent, entry);
    let pid: number;
    try {
      pid = Number.parseInt(await readFile(join(dir, OWNER_FILE), 'utf8'), 10);
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
