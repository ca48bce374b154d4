import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkValue, list, object, oneOf, string } from '@kubediag/options';
import { EnvtestError, EnvtestErrorCode, invalidOptions } from './errors.ts';
import { freePort } from './internal/ports.ts';
import { applyPrometheusOptions, type PrometheusOptions } from './options.ts';
import { findPeer } from './peers.ts';

/** A format Prometheus 3 can ask a target for, as its `scrape_protocols` names it. */
export type ScrapeProtocol =
  | 'OpenMetricsText1.0.0'
  | 'OpenMetricsText0.0.1'
  | 'PrometheusText1.0.0'
  | 'PrometheusText0.0.4'
  | 'PrometheusProto';

const SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
  'PrometheusProto',
];

/** One scrape job: a `host:port` served over HTTPS with a bearer token, verified against `caPem`. */
export interface ScrapeJob {
  readonly name: string;
  readonly target: string;
  readonly token: string;
  readonly caPem: string;
  /**
   * The formats Prometheus 3 asks for, most preferred first (its `scrape_protocols`; each becomes
   * one clause of its Accept header). Prometheus 3 only.
   * @default Prometheus' own: OpenMetrics 1.0.0, OpenMetrics 0.0.1, text 1.0.0, text 0.0.4
   */
  readonly scrapeProtocols?: readonly ScrapeProtocol[];
}

// Names and targets are written into file names and the YAML config: only characters that need no quoting.
const JOBS = list(
  object({
    name: string({ pattern: /^[A-Za-z0-9_-]+$/, expected: 'a job name of letters, digits, "_" and "-"' }),
    target: string({ pattern: /^[\w.:[\]-]+:\d+$/, expected: 'a host:port' }),
    token: string(),
    caPem: string(),
    scrapeProtocols: list(oneOf(SCRAPE_PROTOCOLS), { nonEmpty: true }),
  }),
);

/** A target as `/api/v1/targets` reports it. */
export interface TargetState {
  job: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

/** The exemplars of one series, as `/api/v1/query_exemplars` lists them. */
export interface SeriesExemplars {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** A Prometheus started by {@link startPrometheus}, read through its HTTP API. */
export interface RunningPrometheus {
  url: string;
  /** The running version, from `/api/v1/status/buildinfo`. */
  readonly version: string;
  targets(): Promise<TargetState[]>;
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** The exemplars stored for the series of `expr` over the last `seconds` (needs `exemplarStorage`). */
  queryExemplars(expr: string, seconds?: number): Promise<SeriesExemplars[]>;
  stop(): Promise<void>;
}

/**
 * Starts a Prometheus (`version` 2: the Debian package; 3: the one the setup command builds) with its
 * own config and TSDB in a temp dir, scraping each job over HTTPS with the token in
 * `authorization.credentials_file` and our CA in `tls_config.ca_file`, as the Cluster API docs
 * configure it (minus `insecure_skip_verify`), every second. `stop()` removes it all.
 */
export async function startPrometheus(
  jobs: readonly ScrapeJob[],
  options?: PrometheusOptions,
): Promise<RunningPrometheus> {
  const { version, exemplarStorage } = applyPrometheusOptions(options);
  const problems = checkValue(JOBS, jobs, 'jobs');
  if (version === 2)
    jobs.forEach((job, i) => {
      if (job.scrapeProtocols !== undefined)
        problems.push({
          path: `jobs[${i}].scrapeProtocols`,
          message: 'Prometheus 2.42 has no scrape_protocols; expected version 3 in the options',
        });
    });
  if (problems.length > 0) throw invalidOptions('invalid scrape jobs', problems);
  const bin = findPeer(version === 3 ? 'prometheus3' : 'prometheus');
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
    if (job.scrapeProtocols !== undefined)
      config += `    scrape_protocols: [${job.scrapeProtocols.join(', ')}]\n`;
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
      ...(exemplarStorage ? ['--enable-feature=exemplar-storage'] : []),
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
        EnvtestErrorCode.START_TIMEOUT,
        `start prometheus: not ready within 60 s; last log lines:\n${log.split('\n').slice(-20).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const { version: running } = await api<{ version: string }>('/api/v1/status/buildinfo');
  return {
    url,
    version: running,
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
    async queryExemplars(expr: string, seconds = 300) {
      const end = Date.now() / 1000;
      return api<SeriesExemplars[]>(
        `/api/v1/query_exemplars?query=${encodeURIComponent(expr)}&start=${end - seconds}&end=${end}`,
      );
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
