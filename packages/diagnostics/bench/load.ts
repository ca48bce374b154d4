/**
 * Authorized requests (`/metrics` scrapes unless told) at full speed with autocannon, in its own process, against a server
 * in another process. Besides requests/s and latency it returns the server's CPU time per request,
 * read from /proc: on a shared, loaded machine wall-clock throughput swings with the neighbours, CPU
 * per request much less.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PeerProcess } from './peer-process.ts';

const run = promisify(execFile);
const autocannonBin = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'node_modules',
  '.bin',
  'autocannon',
);

export interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  /** The server process's user + system CPU per request served, µs. */
  readonly cpuUsPerReq: number;
}

export async function loadScrapes(
  peer: PeerProcess,
  token: string,
  connections: number,
  seconds: number,
  path = '/metrics',
): Promise<LoadResult> {
  const args = ['-j', '-c', String(connections), '-d', String(seconds)];
  args.push('-H', `Authorization=Bearer ${token}`, `${peer.url}${path}`);
  const cpu0 = await peer.cpuMs();
  const { stdout } = await run(autocannonBin, args, { maxBuffer: 16 << 20 });
  const cpu = (await peer.cpuMs()) - cpu0;
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    cpuUsPerReq: (cpu * 1000) / Math.max(1, r.requests.total),
  };
}
