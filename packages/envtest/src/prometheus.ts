import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvtestError, ENVTEST_ERROR_CODES } from './errors.ts';
import { freePort } from './internal/ports.ts';
import { findPeer } from './peers.ts';

/** One scrape job: a `host:port` served over HTTPS with a bearer token, verified against `caPem`. */
export interface ScrapeJob {
  name: string;
  target: string;
  token: string;
  caPem: string;
}

/** A target as `/api/v1/targets` reports it. */
export interface TargetState {
  job: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

/** A Prometheus started by {@link startPrometheus}, read through its HTTP API. */
export interface RunningPrometheus {
  url: string;
  targets(): Promise<TargetState[]>;
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/**
 * Starts the Debian `prometheus` with its own config and TSDB in a temp dir, scraping each job over
 * HTTPS with the token in `authorization.credentials_file` and our CA in `tls_config.ca_file`, as the
 * Cluster API docs configure it (minus `insecure_skip_verify`), every second. `stop()` removes it all.
 */
export async function startPrometheus(jobs: readonly ScrapeJob[]): Promise<RunningPrometheus> {
  const bin = findPeer('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'kdiag-prom-'));
  let config = 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n';
  for (const job of jobs) {
    await writeFile(join(dir, `${job.name}.token`), job.token, { mode: 0o600 });
    await writeFile(join(dir, `${job.name}-ca.crt`), job.caPem);
    config += `  - job_name: ${job.name}
    scheme: https
    authorization:
      type: Bearer
      credentials_file: ${join(dir, `${job.name}.token`)}
    tls_config:
      ca_file: ${join(dir, `${job.name}-ca.crt`)}
    static_configs:
      - targets: ['${job.target}']
`;
  }
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  const until = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new EnvtestError(
        ENVTEST_ERROR_CODES.START_TIMEOUT,
        `start prometheus: not ready within 60 s; last log lines:\n${log.split('\n').slice(-20).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async targets() {
      const data = await api<{
        activeTargets: {
          labels: { job: string };
          health: TargetState['health'];
          lastError: string;
          lastScrape: string;
        }[];
      }>('/api/v1/targets');
      return data.activeTargets.map((t) => ({
        job: t.labels.job,
        health: t.health,
        lastError: t.lastError,
        lastScrape: t.lastScrape,
      }));
    },
    async query(expr: string) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      return data.result;
    },
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
