// @kubediag/controller's reconcile histogram records the trace of the span a reconcile runs in as
// its exemplar, read through the real OpenTelemetry API's context: in OpenMetrics only, and only for
// a sampled span.
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { createController } from '@kubediag/controller';
import { createDiscardLogger } from '@kubediag/klog';
import { installContextManager } from '@kubediag/tracing-config';
import { Registry, openMetricsContentType, type OpenMetricsContentType } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

/** Runs one reconcile of a controller on `registry` with `flags` on the span around it (as withDiagnostics' span does). */
async function reconcileOnce(registry: Registry, flags: TraceFlags | undefined): Promise<void> {
  const controller = createController({
    name: 'widgets',
    logger: createDiscardLogger(),
    registry,
    reconcile: async () => undefined,
    span: (_request, fn) =>
      flags === undefined
        ? fn()
        : context.with(
            trace.setSpan(
              context.active(),
              trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: flags }),
            ),
            fn,
          ),
  });
  controller.enqueue({ namespace: 'ns', name: 'w' });
  const loop = controller.start();
  await controller.stop();
  await loop;
}

/** The registry written as an OpenMetrics registry of the same metrics writes it. */
async function asOpenMetrics(registry: Registry): Promise<string> {
  const om = Registry.merge([registry]) as unknown as Registry<OpenMetricsContentType>;
  om.setContentType(openMetricsContentType);
  return om.metrics();
}

describe('unit: reconcile-time exemplars', () => {
  beforeAll(() => installContextManager());

  it('carry trace_id and span_id of a sampled reconcile span, in OpenMetrics only', async () => {
    const registry = new Registry();
    await reconcileOnce(registry, TraceFlags.SAMPLED);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="widgets"} 1');
    expect(text).not.toContain(' # {');
    expect(await asOpenMetrics(registry)).toMatch(
      new RegExp(
        `controller_runtime_reconcile_time_seconds_bucket\\{le="[^"]+",controller="widgets"\\} 1 # \\{trace_id="${TRACE_ID}",span_id="${SPAN_ID}"\\} [0-9.e-]+ [0-9.]+\\n`,
      ),
    );
  });

  it('are left out for a span that is not sampled, and without tracing', async () => {
    for (const flags of [TraceFlags.NONE, undefined]) {
      const registry = new Registry();
      await reconcileOnce(registry, flags);
      const om = await asOpenMetrics(registry);
      expect(om).toContain('controller_runtime_reconcile_time_seconds_count{controller="widgets"} 1');
      expect(om).not.toContain('trace_id');
    }
  });
});
