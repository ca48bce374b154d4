import type { RequestOptions } from 'node:https';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installContextManager, traceKubeConfig, withReconcileSpan } from '@kubediag/tracing-config';
import { KubeConfig2, watchRequest2 } from './support/client-node-2.ts';
import { createInMemoryProvider, type InMemoryProvider } from './support/in-memory-provider.ts';
import {
  recordingKubeConfig,
  startRecordingServer,
  type RecordingServer,
} from './support/recording-server.ts';

let server: RecordingServer;
let unit: InMemoryProvider;

beforeAll(async () => {
  installContextManager();
  unit = await createInMemoryProvider();
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
  await unit.close();
});

/** Runs `fn` inside a reconcile span; returns the traceparent that span's requests must carry. */
async function inReconcile(fn: () => Promise<unknown>): Promise<string> {
  let traceparent = '';
  await withReconcileSpan(unit.provider.getTracer('op'), { controller: 'c', name: 'n' }, async (span) => {
    traceparent = `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
    await fn();
  });
  return traceparent;
}

/** What the server saw of the last request: its traceparent and authorization headers. */
function lastRequest(): { traceparent: unknown; authorization: unknown } {
  const headers = server.seen.at(-1)!;
  return { traceparent: headers.traceparent, authorization: headers.authorization };
}

describe('traceKubeConfig with client-node 1.x (installed: 1.4.0)', () => {
  it('adds traceparent of the active span to API client requests, keeping authentication', async () => {
    server.seen.length = 0;
    const core = traceKubeConfig(recordingKubeConfig(server.url)).makeApiClient(CoreV1Api);
    const traceparent = await inReconcile(() => core.listNamespace());
    expect(server.seen).toHaveLength(1);
    expect(lastRequest()).toEqual({ traceparent, authorization: 'Bearer secret-token' });
  });

  it('sends no traceparent outside a span, and leaves the original KubeConfig untouched', async () => {
    server.seen.length = 0;
    const kc = recordingKubeConfig(server.url);
    const traced = traceKubeConfig(kc);
    await traced.makeApiClient(CoreV1Api).listNamespace();
    await inReconcile(() => kc.makeApiClient(CoreV1Api).listNamespace());
    expect(server.seen.map((h) => h.traceparent)).toEqual([undefined, undefined]);
    expect(traced.getCurrentCluster()?.server).toBe(server.url);
  });

  it('adds traceparent to watches (applyToFetchOptions)', async () => {
    server.seen.length = 0;
    const watch = new Watch(traceKubeConfig(recordingKubeConfig(server.url)));
    const traceparent = await inReconcile(async () => {
      const request = await watch.watch(
        '/api/v1/namespaces',
        {},
        () => {},
        () => {},
      );
      request.abort();
    });
    expect(lastRequest()).toEqual({ traceparent, authorization: 'Bearer secret-token' });
  });

  it('adds traceparent to the fetch options of informers, logs and metrics', async () => {
    const traced = traceKubeConfig(recordingKubeConfig(server.url));
    let headers: { get(k: string): string | null } | undefined;
    const traceparent = await inReconcile(async () => {
      ({ headers } = (await traced.applyToFetchOptions({})) as { headers: typeof headers });
    });
    expect(headers?.get('traceparent')).toBe(traceparent);
    expect(headers?.get('authorization')).toBe('Bearer secret-token');
  });

  it('adds traceparent to the HTTPS options of the protobuf client and WebSockets (exec, attach, port-forward)', async () => {
    const traced = traceKubeConfig(recordingKubeConfig(server.url));
    const opts: RequestOptions = {};
    const traceparent = await inReconcile(() => traced.applyToHTTPSOptions(opts));
    expect(opts.headers).toMatchObject({ traceparent, Authorization: 'Bearer secret-token' });
  });
});

describe("traceKubeConfig with client-node 2.x's KubeConfig (no applyToFetchOptions)", () => {
  it('type-checks and keeps applyToFetchOptions absent, as code telling the majors apart expects', () => {
    const traced: KubeConfig2 = traceKubeConfig(new KubeConfig2(recordingKubeConfig(server.url)));
    expect('applyToFetchOptions' in traced).toBe(false);
    expect((traced as { applyToFetchOptions?: unknown }).applyToFetchOptions).toBeUndefined();
  });

  it('adds traceparent to API client requests (makeApiClient hands the view to the client)', async () => {
    server.seen.length = 0;
    const core = traceKubeConfig(new KubeConfig2(recordingKubeConfig(server.url))).makeApiClient(CoreV1Api);
    const traceparent = await inReconcile(() => core.listNamespace());
    await core.listNamespace();
    expect(server.seen.map((h) => h.traceparent)).toEqual([traceparent, undefined]);
    expect(server.seen[0]!.authorization).toBe('Bearer secret-token');
  });

  it('adds traceparent to watches (applySecurityAuthentication on a RequestContext)', async () => {
    server.seen.length = 0;
    const traced = traceKubeConfig(new KubeConfig2(recordingKubeConfig(server.url)));
    const traceparent = await inReconcile(() => watchRequest2(traced, '/api/v1/namespaces'));
    expect(lastRequest()).toEqual({ traceparent, authorization: 'Bearer secret-token' });
  });

  it('adds traceparent to the HTTPS options of the protobuf client and WebSockets', async () => {
    const traced = traceKubeConfig(new KubeConfig2(recordingKubeConfig(server.url)));
    const opts: RequestOptions = {};
    const traceparent = await inReconcile(() => traced.applyToHTTPSOptions(opts));
    expect(opts.headers).toMatchObject({ traceparent, Authorization: 'Bearer secret-token' });
  });
});
