// An operator made with withDiagnostics, tracing on, scraped by a real Prometheus 3: the exemplars of
// controller_runtime_reconcile_time_seconds reach Prometheus' exemplar query API with the trace ids of
// the reconcile spans the real OpenTelemetry Collector received, and the text format never shows them.
import { request } from 'node:https';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  setupDiagnosticsIdentities,
  startCollector,
  startPrometheus,
  useControlPlane,
  type RunningCollector,
  type RunningPrometheus,
} from '@kubediag/envtest';
import type { Controller } from '@kubediag/controller';
import { withDiagnostics, type Diagnostics } from '../src/index.ts';

let collector: RunningCollector;
let diag: Diagnostics;
let controller: Controller;
let loop: Promise<void>;
let prom: RunningPrometheus;
let readerToken: string;

beforeAll(async () => {
  const cp = await useControlPlane();
  const ids = await setupDiagnosticsIdentities(cp);
  readerToken = ids.readerToken;
  collector = await startCollector();
  diag = await withDiagnostics({
    name: 'exemplar-operator',
    server: { bindAddress: '127.0.0.1:0' },
    kubeConfig: ids.operatorKc,
    metrics: { registry: new Registry() },
    logging: { output: { write: () => undefined } },
    profiling: false,
    tracing: {
      config: {
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'TracingConfiguration',
        endpoint: collector.endpoint,
        samplingRatePerMillion: 1_000_000,
      },
    },
  });
  await diag.start();
  controller = diag.createController({
    name: 'widgets',
    reconcile: () => new Promise((r) => setTimeout(r, 5)),
  });
  loop = controller.start();
  for (let i = 0; i < 5; i++) controller.enqueue({ namespace: 'prod', name: `w${i}` });
  prom = await startPrometheus(
    [
      {
        name: 'operator',
        target: new URL(diag.server.url!).host,
        token: ids.readerToken,
        caPem: diag.server.servingCertificate()!.caPem!,
      },
    ],
    { version: 3, exemplarStorage: true },
  );
});
afterAll(async () => {
  await prom?.stop();
  await controller?.stop();
  await loop;
  await diag?.stop();
  await collector?.stop();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + 60_000;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('integration: reconcile exemplars through Prometheus 3', () => {
  it('stores exemplars whose trace ids are those of the reconcile spans', async () => {
    const series = await waitFor('exemplars in Prometheus', async () => {
      const r = await prom.queryExemplars(
        'controller_runtime_reconcile_time_seconds_bucket{controller="widgets"}',
      );
      return r.some((s) => s.exemplars.length > 0) ? r : undefined;
    });
    const exemplars = series.flatMap((s) => s.exemplars);
    const spans = await collector.waitFor((s) => s.filter((x) => x.name === 'Reconcile widgets').length >= 5);
    const reconciles = spans.filter((x) => x.name === 'Reconcile widgets');
    for (const e of exemplars) {
      expect(Object.keys(e.labels).sort()).toEqual(['span_id', 'trace_id']);
      const span = reconciles.find((s) => s.traceId === e.labels['trace_id']);
      expect(span, `a reconcile span of trace ${e.labels['trace_id']}`).toBeDefined();
      expect(span!.spanId).toBe(e.labels['span_id']);
      expect(Number(e.value)).toBeGreaterThan(0);
    }
    const up = await prom.query('up{job="operator"}');
    expect(up[0]?.value[1]).toBe('1');
  });

  it('never writes an exemplar in the text format', async () => {
    const { contentType, body } = await get('/metrics');
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body).toMatch(/^controller_runtime_reconcile_time_seconds_count\{controller="widgets"\} [1-9]/m);
    expect(body).not.toContain(' # {');
  });
});

/** GET `path` of the diagnostics port as the reader, trusting its self-signed CA, with no Accept (as curl). */
function get(path: string): Promise<{ contentType: string; body: string }> {
  const url = new URL(path, diag.server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: diag.server.servingCertificate()!.caPem!, headers: { Authorization: `Bearer ${readerToken}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.once('end', () => resolve({ contentType: String(res.headers['content-type']), body }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}
