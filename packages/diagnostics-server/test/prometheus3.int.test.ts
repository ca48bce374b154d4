// Prometheus 3 (built by the envtest setup command) scrapes the secure port with a ServiceAccount
// token, once with its default scrape protocols and once with each protocol alone. Prometheus 3
// fails a scrape whose Content-Type is missing or unknown, so every Accept it sends must get a
// Content-Type that Accept admits; the series and, over OpenMetrics, the exemplars must be stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { createDiscardLogger } from '@kubediag/klog';
import { withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import {
  setupDiagnosticsIdentities,
  startPrometheus,
  useControlPlane,
  type RunningPrometheus,
  type ScrapeProtocol,
} from '@kubediag/envtest';
import { createDiagnosticsServer, type DiagnosticsServer, type FilterProvider } from '../src/index.ts';
import { call } from './support/http-client.ts';
import { waitFor } from './support/exec.ts';

const PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
  'PrometheusProto',
];
const jobName = (p: ScrapeProtocol | 'default'): string => p.replace(/\./g, '_');

/** True when some clause of `accept` with q > 0 admits `contentType` (its type, and its version if named). */
function admits(accept: string, contentType: string): boolean {
  const [media = '', ...params] = contentType.split(';').map((s) => s.trim());
  const version = params.find((p) => p.startsWith('version='))?.slice(8);
  return accept.split(',').some((clause) => {
    const [range = '', ...ps] = clause.split(';').map((s) => s.trim());
    const q = ps.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    if (range === '*/*') return true;
    if (range !== media) return false;
    const asked = ps.find((p) => p.startsWith('version='))?.slice(8);
    return asked === undefined || asked === version;
  });
}

describe('integration: Prometheus 3 scrapes /metrics over HTTPS with a ServiceAccount token', () => {
  let server: DiagnosticsServer;
  let prom: RunningPrometheus;
  let readerToken: string;
  // Every scrape the filter let through: what Prometheus asked for and what it got.
  const seen: { accept: string; contentType: string; status: number }[] = [];

  beforeAll(async () => {
    const cp = await useControlPlane();
    const ids = await setupDiagnosticsIdentities(cp);
    readerToken = ids.readerToken;
    const registry = new Registry();
    new Counter({ name: 'kubediag_scraped_total', help: 'Scrape test counter.', registers: [registry] }).inc(
      7,
    );
    // A histogram with an exemplar, registered by hand (prom-client refuses exemplars at construction
    // on a text registry), as @kubediag/controller registers its reconcile histogram.
    const traced = new Histogram<string>({
      name: 'kubediag_traced_seconds',
      help: 'Histogram with an exemplar.',
      buckets: [0.5, 1],
      registers: [],
      enableExemplars: true,
    });
    traced.observe({ value: 0.3, exemplarLabels: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' } });
    registry.registerMetric(traced);

    const auth = withAuthenticationAndAuthorization();
    const recording: FilterProvider = async (ctx) => {
      const inner = await auth(ctx);
      const filter = typeof inner === 'function' ? inner : inner.filter;
      return {
        filter: (log, handler) =>
          filter(log, (req, res) => {
            res.once('finish', () =>
              seen.push({
                accept: req.headers.accept ?? '',
                contentType: String(res.getHeader('content-type')),
                status: res.statusCode,
              }),
            );
            return handler(req, res);
          }),
        close: () => (typeof inner === 'function' ? Promise.resolve() : inner.close()),
      };
    };
    server = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      filterProvider: recording,
      kubeConfig: ids.operatorKc,
      registry,
      logger: createDiscardLogger(),
    });
    await server.start();
    const job = {
      target: new URL(server.url!).host,
      token: ids.readerToken,
      caPem: server.servingCertificate()!.caPem!,
    };
    prom = await startPrometheus(
      [
        { name: jobName('default'), ...job },
        ...PROTOCOLS.map((p) => ({ name: jobName(p), ...job, scrapeProtocols: [p] })),
      ],
      { version: 3, exemplarStorage: true },
    );
  });
  afterAll(async () => {
    await prom?.stop();
    await server?.stop(2000);
  });

  it('is Prometheus 3', () => {
    expect(prom.version).toMatch(/^3\./);
  });

  it.each(['default' as const, ...PROTOCOLS])(
    'up == 1 and our series stored: scrape protocols %s',
    async (p) => {
      const job = jobName(p);
      const target = await waitFor(`${job} up`, async () => {
        const t = (await prom.targets()).find((x) => x.job === job);
        return t?.health === 'up' ? t : undefined;
      });
      expect(target.lastError).toBe('');
      const up = await waitFor(`up{job="${job}"}`, async () => {
        const r = await prom.query(`up{job="${job}"}`);
        return r.length > 0 ? r : undefined;
      });
      expect(up[0]?.value[1]).toBe('1');
      const counter = await waitFor('series stored', async () => {
        const r = await prom.query(`kubediag_scraped_total{job="${job}"}`);
        return r.length > 0 ? r : undefined;
      });
      expect(counter[0]?.value[1]).toBe('7');
    },
  );

  it('answers every Accept Prometheus 3 sends with a Content-Type that Accept admits', async () => {
    // One distinct Accept per job: the default list and each protocol alone.
    await waitFor('a scrape of every job', async () =>
      new Set(seen.map((s) => s.accept)).size >= PROTOCOLS.length + 1 ? true : undefined,
    );
    for (const s of seen) {
      expect(s.status, s.accept).toBe(200);
      expect(admits(s.accept, s.contentType), `${s.accept} → ${s.contentType}`).toBe(true);
    }
    const answered = new Map(seen.map((s) => [s.accept, s.contentType]));
    const omFirst = [...answered].filter(([accept]) =>
      accept.startsWith('application/openmetrics-text;version=1.0.0'),
    );
    expect(omFirst.length).toBeGreaterThanOrEqual(2); // the default list and OpenMetricsText1.0.0 alone
    for (const [, contentType] of omFirst)
      expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });

  it('stores the exemplar from the OpenMetrics scrapes; the text format never carries it', async () => {
    const series = await waitFor('exemplars stored', async () => {
      const r = await prom.queryExemplars('kubediag_traced_seconds_bucket');
      return r.some((s) => s.exemplars.length > 0) ? r : undefined;
    });
    const jobs = new Set(series.filter((s) => s.exemplars.length > 0).map((s) => s.seriesLabels['job']));
    expect(jobs.has(jobName('default'))).toBe(true);
    expect(jobs.has(jobName('OpenMetricsText1.0.0'))).toBe(true);
    for (const text of ['PrometheusText0.0.4', 'PrometheusText1.0.0', 'PrometheusProto'] as const)
      expect(jobs.has(jobName(text))).toBe(false);
    const exemplar = series.flatMap((s) => s.exemplars)[0]!;
    expect(exemplar.labels).toEqual({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(exemplar.value).toBe('0.3');

    // The text format, as curl and Prometheus' text protocols get it: the bucket, no exemplar.
    const text = await call(server, {
      path: '/metrics',
      headers: { Authorization: `Bearer ${readerToken}` },
    });
    expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).toContain('kubediag_traced_seconds_bucket{le="0.5"} 1\n');
    expect(text.body).not.toContain(' # {');
  });
});
