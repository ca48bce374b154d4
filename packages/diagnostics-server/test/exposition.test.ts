// /metrics is written in slices by our own writer: byte-identical to prom-client's registry.metrics()
// in both formats, from either kind of registry, and it lets the event loop run between slices.
import { gunzipSync } from 'node:zlib';
import { Counter, Gauge, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { createDiscardLogger } from '@kubediag/klog';
import { createDiagnosticsServer } from '../src/index.ts';
import { negotiateExposition } from '../src/exposition/negotiate.ts';
import { renderInSlices } from '../src/exposition/render-in-slices.ts';
import {
  fillWithEveryKind,
  fillWithSeries,
  openMetricsRegistry,
  renderToString,
  textRegistry,
} from './support/metric-registries.ts';
import { call } from './support/http-client.ts';

describe('unit: the sliced render is byte-identical to prom-client', () => {
  it('text format, every kind of metric and escaping, default labels', async () => {
    const registry = textRegistry();
    fillWithEveryKind(registry);
    const expected = await registry.metrics();
    expect(expected).toContain('path="quote \\" and\\nnewline"');
    expect(expected).not.toContain('trace_id');
    expect((await renderToString(registry, 'text')).text).toBe(expected);
  });

  it('OpenMetrics from an OpenMetrics registry, exemplars included', async () => {
    const registry = openMetricsRegistry();
    fillWithEveryKind(registry);
    const expected = await registry.metrics();
    expect(expected).toContain('# {trace_id="f00d"} 0.3 1733150000.123');
    expect(expected).toContain('# TYPE http_requests counter');
    expect((await renderToString(registry, 'openmetrics')).text).toBe(expected);
    // prom-client has renamed its counters in place by now; a second render is still the same.
    expect((await renderToString(registry, 'openmetrics')).text).toBe(await registry.metrics());
  });

  it('OpenMetrics from a text registry is what an OpenMetrics registry of the same metrics writes', async () => {
    const text = textRegistry();
    const om = openMetricsRegistry();
    fillWithEveryKind(text);
    fillWithEveryKind(om);
    expect((await renderToString(text, 'openmetrics')).text).toBe(await om.metrics());
    // ...and writing OpenMetrics did not rename the text registry's counters.
    expect((await renderToString(text, 'text')).text).toBe(await text.metrics());
  });

  it('10 000 series, in many slices, in both formats', async () => {
    const text = textRegistry();
    const om = openMetricsRegistry();
    fillWithSeries(text, 10, 1000);
    fillWithSeries(om, 10, 1000);
    const sliced = await renderToString(text, 'text', 0);
    expect(sliced.chunks).toBeGreaterThan(100);
    expect(sliced.text).toBe(await text.metrics());
    expect((await renderToString(om, 'openmetrics', 0)).text).toBe(await om.metrics());
  });

  it('an empty registry', async () => {
    expect((await renderToString(textRegistry(), 'text')).text).toBe(await textRegistry().metrics());
    expect((await renderToString(openMetricsRegistry(), 'openmetrics')).text).toBe(
      await openMetricsRegistry().metrics(),
    );
  });
});

describe("unit: prom-client's plain counters and gauges are read key by key", () => {
  it('a 10 000-series gauge and counter with collect callbacks: the same bytes, collect run once each', async () => {
    const registry = textRegistry();
    let collects = 0;
    const gauge = new Gauge({
      name: 'big_gauge',
      help: 'Set by its collect.',
      labelNames: ['pod'],
      registers: [registry],
      collect() {
        collects++;
        this.set({ pod: 'pod-0' }, collects);
      },
    });
    const counter = new Counter({
      name: 'big_total',
      help: 'Counter.',
      labelNames: ['pod'],
      registers: [registry],
    });
    for (let i = 0; i < 10_000; i++) {
      gauge.set({ pod: `pod-${i}` }, i);
      counter.inc({ pod: `pod-${i}` }, i + 1);
    }
    const sliced = await renderToString(registry, 'text', 0);
    expect(collects).toBe(1);
    expect(sliced.chunks).toBeGreaterThan(100);
    // prom-client's own render runs the collect once more: the gauge's first value moves by one.
    expect(sliced.text.replace('big_gauge{pod="pod-0"} 1\n', 'big_gauge{pod="pod-0"} 2\n')).toBe(
      await registry.metrics(),
    );
  });

  it('a series removed mid-render is left out; a reset keeps the series listed before it', async () => {
    const registry = textRegistry();
    fillWithSeries(registry, 1, 2000);
    const expected = await registry.metrics();
    const gauge = registry.getSingleMetric('series_metric_0') as Gauge;
    const removed = { pod: 'pod-1999', phase: 'running', zone: 'z1' };
    const parts: string[] = [];
    let removedOnce = false;
    await renderInSlices(
      registry,
      'text',
      {
        write: (chunk) => {
          parts.push(chunk);
          // The first slice is written before the last series is: remove it now, then reset all.
          if (!removedOnce) {
            removedOnce = true;
            gauge.remove(removed);
            gauge.reset();
          }
        },
      },
      () => false,
      0,
    );
    const line = 'series_metric_0{pod="pod-1999",phase="running",zone="z1"} 2998.5\n';
    expect(expected).toContain(line);
    expect(parts.join('')).toBe(expected.replace(line, ''));
  });

  it("a plain gauge's collect that throws, or rejects, fails the render as it fails registry.metrics()", async () => {
    for (const collect of [
      (): void => {
        throw new Error('collect threw');
      },
      (): Promise<void> => Promise.reject(new Error('collect threw')),
    ]) {
      const registry = textRegistry();
      fillWithSeries(registry, 2, 10);
      new Gauge({ name: 'failing', help: 'Its collect fails.', registers: [registry], collect });
      await expect(registry.metrics()).rejects.toThrow('collect threw');
      await expect(renderToString(registry, 'text')).rejects.toThrow('collect threw');
    }
  });

  it('a subclass with its own get(), or a get() replaced, is read through get()', async () => {
    class Doubled extends Gauge {
      override async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
        const snapshot = await super.get();
        return { ...snapshot, values: snapshot.values.map((v) => ({ ...v, value: v.value * 2 })) };
      }
    }
    const registry = textRegistry();
    new Doubled({ name: 'doubled', help: 'Subclass.', registers: [registry] }).set(21);
    const replaced = new Gauge({ name: 'replaced', help: 'Own get.', registers: [registry] });
    replaced.set(1);
    const get = vi.spyOn(replaced, 'get');
    const { text } = await renderToString(registry, 'text');
    expect(text).toContain('\ndoubled 42\n');
    expect(get).toHaveBeenCalledTimes(1);
    expect(text).toBe(await registry.metrics());
  });
});

describe('unit: the render lets the event loop run', () => {
  it('other callbacks run between the slices of a 10 000-series render', async () => {
    const registry = textRegistry();
    fillWithSeries(registry, 10, 1000);
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const before = ticks;
    const { chunks } = await renderToString(registry, 'text', 0);
    running = false;
    // With a zero budget the render yields at every clock read: the other callback ran as often.
    expect(ticks - before).toBeGreaterThanOrEqual(chunks - 1);
  });

  it('a collect that fails rejects the render, as it rejects registry.metrics()', async () => {
    const registry = textRegistry();
    fillWithSeries(registry, 2, 10);
    registry.registerMetric({
      name: 'broken',
      get: () => Promise.reject(new Error('collect failed')),
    } as never);
    await expect(registry.metrics()).rejects.toThrow('collect failed');
    await expect(renderToString(registry, 'text')).rejects.toThrow('collect failed');
  });
});

// Accept headers as Prometheus sends them (scrape/scrape.go acceptHeader, config.ScrapeProtocolsHeaders).
const PROMETHEUS_3_DEFAULT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,application/openmetrics-text;version=0.0.1;q=0.6,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3';
const PROMETHEUS_2_42 =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const OM_0_0_1 = 'application/openmetrics-text; version=0.0.1; charset=utf-8';
const TEXT = 'text/plain; version=0.0.4; charset=utf-8';

describe('unit: a text registry negotiates as promhttp with EnableOpenMetrics', () => {
  it.each([
    ['Prometheus 3, default protocols', PROMETHEUS_3_DEFAULT, OM],
    ['Prometheus 2.42', PROMETHEUS_2_42, OM],
    [
      'OpenMetricsText1.0.0 alone',
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,*/*;q=0.6',
      OM,
    ],
    ['OpenMetricsText0.0.1 alone', 'application/openmetrics-text;version=0.0.1;q=0.7,*/*;q=0.6', OM_0_0_1],
    ['PrometheusText1.0.0 alone', 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.7,*/*;q=0.6', TEXT],
    ['PrometheusText0.0.4 alone', 'text/plain;version=0.0.4;q=0.7,*/*;q=0.6', TEXT],
    [
      'PrometheusProto alone',
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,*/*;q=0.6',
      TEXT,
    ],
    ['OpenMetrics 2.0.0 (not offered)', 'application/openmetrics-text;version=2.0.0;q=0.7,*/*;q=0.6', TEXT],
    ['a bare OpenMetrics type is 0.0.1', 'application/openmetrics-text', OM_0_0_1],
    ['a bare text/plain', 'text/plain', TEXT],
    ['curl', '*/*', TEXT],
    ['no Accept', undefined, TEXT],
    [
      'preference by q, not by order',
      'text/plain;q=0.2,application/openmetrics-text;version=1.0.0;q=0.9',
      OM,
    ],
    ['q=0 refuses', 'application/openmetrics-text;version=1.0.0;q=0,text/plain', TEXT],
  ])('%s', (_name, accept, contentType) => {
    expect(negotiateExposition(accept).contentType).toBe(contentType);
  });
});

describe('unit: /metrics serves both formats from one text registry', () => {
  it('OpenMetrics to an OpenMetrics Accept, text otherwise, gzip when asked, each byte-identical', async () => {
    const registry = textRegistry();
    fillWithEveryKind(registry);
    const om = openMetricsRegistry();
    fillWithEveryKind(om);
    const server = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      secureServing: false,
      registry,
      logger: createDiscardLogger(),
      gzipMinBytes: 64,
    });
    await server.start();
    try {
      const asOm = await call(server, { path: '/metrics', headers: { Accept: PROMETHEUS_3_DEFAULT } });
      expect(asOm.status).toBe(200);
      expect(asOm.headers['content-type']).toBe(OM);
      expect(asOm.body).toBe(await om.metrics());
      const asText = await call(server, { path: '/metrics' });
      expect(asText.headers['content-type']).toBe(TEXT);
      expect(asText.body).toBe(await registry.metrics());
      expect(asText.headers['content-length']).toBe(String(Buffer.byteLength(asText.body)));
      const zipped = await call(server, {
        path: '/metrics',
        headers: { Accept: PROMETHEUS_3_DEFAULT, 'Accept-Encoding': 'gzip' },
      });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers['content-length']).toBe(String(zipped.raw.length));
      expect(gunzipSync(zipped.raw).toString()).toBe(await om.metrics());
    } finally {
      await server.stop(1000);
    }
  });
});
