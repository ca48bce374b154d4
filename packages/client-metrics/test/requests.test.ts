import { channel } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClientMetrics, type ClientMetrics } from '../src/index.ts';
import { startFakeApiserver, type FakeApiserver } from './support/fake-apiserver.ts';
import { metricValue, series } from './support/metric-values.ts';
import { fetchSend, httpSend } from './support/send.ts';

let api: FakeApiserver;
let host: string;
let closedPort: number;
const open: ClientMetrics[] = [];

function metricsFor(registry: Registry, extra: { requestDuration?: boolean; servers?: string[] } = {}) {
  const m = createClientMetrics({ registry, servers: [api.url], ...extra });
  open.push(m);
  return m;
}

beforeAll(async () => {
  api = await startFakeApiserver();
  host = new URL(api.url).host;
  const probe: Server = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

afterEach(() => {
  for (const m of open.splice(0)) m.close();
  api.refuseWith = undefined;
});

afterAll(() => api.close());

describe('rest_client_requests_total, as client-go counts', () => {
  it.each([
    ['node:http (client-node 1.x)', httpSend],
    ['fetch / undici (client-node 2.x)', fetchSend],
  ])('counts %s by status code, HTTP method and host', async (_client, send) => {
    const registry = new Registry();
    metricsFor(registry);
    expect(await send(`${api.url}/api/v1/configmaps`)).toBe(200);
    expect(await send(`${api.url}/api/v1/configmaps`)).toBe(200);
    api.refuseWith = 403;
    expect(await send(`${api.url}/api/v1/namespaces/default/configmaps/first`, 'PATCH', '{}')).toBe(403);
    api.refuseWith = 429;
    expect(await send(`${api.url}/api/v1/namespaces/default/configmaps`, 'POST', '{}')).toBe(429);
    const total = (code: string, method: string) =>
      metricValue(registry, 'rest_client_requests_total', { code, method, host });
    expect(await total('200', 'GET')).toBe(2);
    expect(await total('403', 'PATCH')).toBe(1);
    expect(await total('429', 'POST')).toBe(1);
  });

  it.each([
    ['node:http', httpSend],
    ['fetch', fetchSend],
  ])('counts a request that fails before any answer (%s) as <error>', async (_client, send) => {
    const registry = new Registry();
    const down = `http://127.0.0.1:${closedPort}`;
    metricsFor(registry, { servers: [down] });
    expect(await send(`${down}/api/v1/pods`)).toBe('ECONNREFUSED');
    expect(
      await metricValue(registry, 'rest_client_requests_total', {
        code: '<error>',
        method: 'GET',
        host: `127.0.0.1:${closedPort}`,
      }),
    ).toBe(1);
  });

  it('counts only the apiservers it is given, labelled as the server URL writes them', async () => {
    const registry = new Registry();
    const other = await startFakeApiserver();
    try {
      const m = metricsFor(registry, { servers: [api.url.replace('127.0.0.1', 'LOCALHOST.')] });
      // Another origin (localhost. is not 127.0.0.1 to a URL): nothing is counted.
      expect(m.hosts).toEqual([`LOCALHOST.:${new URL(api.url).port}`]);
      expect(await httpSend(`${api.url}/api/v1/configmaps`)).toBe(200);
      expect(await httpSend(`${other.url}/api/v1/configmaps`)).toBe(200);
      expect(await series(registry, 'rest_client_requests_total')).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('keeps the port a server URL names, as Go keeps it (https://h:443 is h:443)', () => {
    const registry = new Registry();
    const m = metricsFor(registry, { servers: ['https://10.96.0.1:443', 'https://10.96.0.1'] });
    expect(m.hosts).toEqual(['10.96.0.1:443']);
  });

  it('counts a request once when two instances share a registry, and on after one closes', async () => {
    const registry = new Registry();
    const a = metricsFor(registry);
    metricsFor(registry);
    await httpSend(`${api.url}/api/v1/configmaps`);
    a.close();
    await fetchSend(`${api.url}/api/v1/configmaps`);
    expect(await metricValue(registry, 'rest_client_requests_total', { code: '200', host })).toBe(2);
  });

  it('stops counting and leaves the channels on close()', async () => {
    const registry = new Registry();
    const m = metricsFor(registry);
    expect(channel('http.client.request.start').hasSubscribers).toBe(true);
    expect(channel('undici:request:create').hasSubscribers).toBe(true);
    m.close();
    m.close();
    expect(channel('http.client.request.start').hasSubscribers).toBe(false);
    expect(channel('undici:request:headers').hasSubscribers).toBe(false);
    await httpSend(`${api.url}/api/v1/configmaps`);
    expect(await series(registry, 'rest_client_requests_total')).toEqual([]);
  });

  it.skipIf(process.env['KUBERNETES_SERVICE_HOST'] !== undefined)(
    'subscribes to nothing when there is no apiserver to count, or requests is false',
    () => {
      const registry = new Registry();
      const none = createClientMetrics({ registry });
      const off = createClientMetrics({ registry, servers: [api.url], requests: false });
      open.push(none, off);
      expect(none.hosts).toEqual([]);
      expect(off.hosts).toEqual([]);
      expect(channel('http.client.request.start').hasSubscribers).toBe(false);
    },
  );
});

describe('kubediag_rest_client_requests_total, with the apiserver verbs', () => {
  it('tells LIST, WATCH, GET and PATCH apart, with group and resource', async () => {
    const registry = new Registry();
    metricsFor(registry);
    await httpSend(`${api.url}/api/v1/configmaps`);
    await httpSend(`${api.url}/api/v1/namespaces/default/configmaps/first`);
    await httpSend(`${api.url}/api/v1/namespaces/default/configmaps/first`, 'PATCH', '{}');
    const controller = new AbortController();
    const watch = await fetch(`${api.url}/api/v1/configmaps?watch=true`, { signal: controller.signal });
    expect(watch.status).toBe(200);
    controller.abort();
    const byVerb = (verb: string) =>
      metricValue(registry, 'kubediag_rest_client_requests_total', {
        code: '200',
        verb,
        group: '',
        resource: 'configmaps',
        subresource: '',
      });
    expect(await byVerb('LIST')).toBe(1);
    expect(await byVerb('GET')).toBe(1);
    expect(await byVerb('PATCH')).toBe(1);
    expect(await byVerb('WATCH')).toBe(1);
    // On the wire a LIST and a WATCH are GETs: client-go's family says so.
    expect(await metricValue(registry, 'rest_client_requests_total', { code: '200', method: 'GET' })).toBe(3);
  });
});

describe('rest_client_request_duration_seconds', () => {
  it('is registered only on request, observes whole requests and leaves watches out', async () => {
    const without = new Registry();
    metricsFor(without);
    expect(without.getSingleMetric('rest_client_request_duration_seconds')).toBeUndefined();

    const registry = new Registry();
    metricsFor(registry, { requestDuration: true });
    await httpSend(`${api.url}/api/v1/configmaps`);
    await fetchSend(`${api.url}/api/v1/configmaps`);
    const controller = new AbortController();
    await fetch(`${api.url}/api/v1/configmaps?watch=true`, { signal: controller.signal });
    controller.abort();
    const text = await registry.metrics();
    expect(text).toContain(`rest_client_request_duration_seconds_count{verb="GET",host="${host}"} 2`);
    expect(text).toContain(
      `rest_client_request_duration_seconds_bucket{le="0.005",verb="GET",host="${host}"}`,
    );
    expect(text).toContain(
      `rest_client_request_duration_seconds_bucket{le="60",verb="GET",host="${host}"} 2`,
    );
  });
});
