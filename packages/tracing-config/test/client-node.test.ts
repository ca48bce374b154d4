import { CoreV1Api, createConfiguration, ServerConfiguration } from '@kubernetes/client-node';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectTraceContext, installContextManager, traceparentMiddleware } from '@kubediag/tracing-config';
import {
  recordingKubeConfig,
  startRecordingServer,
  type RecordingServer,
} from './support/recording-server.ts';

// A sampled span context, as a reconcile span or an incoming request would make active.
const SPAN = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};
const active = trace.setSpanContext(ROOT_CONTEXT, SPAN);

let server: RecordingServer;
beforeAll(async () => {
  installContextManager();
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

describe('traceparentMiddleware', () => {
  it('adds traceparent of the active span through client-node promiseMiddleware', async () => {
    server.seen.length = 0;
    const core = new CoreV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(server.url, {}),
        authMethods: { default: recordingKubeConfig(server.url) },
        promiseMiddleware: [traceparentMiddleware()],
      }),
    );
    await context.with(active, () => core.listNamespace());
    await core.listNamespace();
    expect(server.seen.map((h) => h.traceparent)).toEqual([
      `00-${SPAN.traceId}-${SPAN.spanId}-01`,
      undefined,
    ]);
    expect(server.seen[0]!.authorization).toBe('Bearer secret-token');
  });
});

describe('injectTraceContext', () => {
  it('writes W3C traceparent and baggage for a given context', () => {
    const headers: Record<string, string> = {};
    const ctx = propagation.setBaggage(active, propagation.createBaggage({ tenant: { value: 'a' } }));
    injectTraceContext((k, v) => (headers[k] = v), ctx);
    expect(headers).toEqual({ traceparent: `00-${SPAN.traceId}-${SPAN.spanId}-01`, baggage: 'tenant=a' });
  });

  it('uses the active context by default, and writes nothing outside a span', () => {
    const inside: Record<string, string> = {};
    context.with(active, () => injectTraceContext((k, v) => (inside[k] = v)));
    const outside: Record<string, string> = {};
    injectTraceContext((k, v) => (outside[k] = v));
    expect(inside).toEqual({ traceparent: `00-${SPAN.traceId}-${SPAN.spanId}-01` });
    expect(outside).toEqual({});
  });
});
