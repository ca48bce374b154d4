import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findPeer } from '@kubediag/envtest';

// The real consumer of our profiles: Go's toolchain, found as every package's tests find their peers.
// A missing toolchain fails loudly (envtest's error names the setup command) instead of skipping.
const execFileAsync = promisify(execFile);

/** The `go` binary that reads the profiles. */
export function findGo(): string {
  return findPeer('go');
}

/** `go tool pprof <args>`'s standard output. */
export async function goPprof(go: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(go, ['tool', 'pprof', ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Rows of `go tool pprof -top` after the header: [flat, flat%, sum%, cum, cum%, name...]. */
export function topRows(out: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => /^\s*flat\s+flat%/.test(l));
  return lines.slice(start + 1).filter((l) => l.trim() !== '');
}
