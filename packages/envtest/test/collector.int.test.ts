// startCollector against the real OpenTelemetry Collector: a span posted over OTLP/HTTP (JSON, so
// this package needs no OpenTelemetry SDK) comes back from spans()/waitFor() with its resource, and
// stop() leaves no process and no directory behind. The gRPC receiver is exercised by
// @kubediag/tracing-config's collector tests.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { otlpAttribute, startCollector } from '../src/index.ts';
import { processesMatching } from './support/procs.ts';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

function exportRequest(name: string): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'envtest-probe' } }] },
        scopeSpans: [
          {
            scope: { name: 'probe' },
            spans: [
              {
                traceId: TRACE_ID,
                spanId: 'eee19b7ec3c1b174',
                name,
                kind: 1,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000100000000',
                attributes: [
                  { key: 'k8s.object.name', value: { stringValue: 'cache' } },
                  { key: 'attempt', value: { intValue: '2' } },
                  { key: 'retry', value: { boolValue: true } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('integration: startCollector', () => {
  it('collects spans sent over OTLP, waits for them, and stops without leftovers', async () => {
    const collector = await startCollector();
    try {
      expect(collector.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(collector.httpEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(collector.spans()).toEqual([]);
      const res = await fetch(`${collector.httpEndpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(exportRequest('probe span')),
      });
      expect(res.status).toBe(200);
      const spans = await collector.waitFor((s) => s.some((x) => x.name === 'probe span'));
      const span = spans.find((x) => x.name === 'probe span')!;
      expect(span.traceId).toBe(TRACE_ID);
      expect(span.resource['service.name']).toBe('envtest-probe');
      expect(otlpAttribute(span.attributes, 'k8s.object.name')).toBe('cache');
      expect(otlpAttribute(span.attributes, 'attempt')).toBe('2');
      expect(otlpAttribute(span.attributes, 'retry')).toBe('true');
      expect(otlpAttribute(span.attributes, 'absent')).toBeUndefined();
      expect(collector.log()).toContain('Everything is ready');
      await expect(collector.waitFor((s) => s.length > 1, 300)).rejects.toMatchObject({
        code: 'KDIAG_ENVTEST_WAIT_TIMEOUT',
        message: expect.stringContaining('it has 1 span(s)') as unknown,
      });
    } finally {
      await collector.stop();
      await collector.stop(); // idempotent
    }
    expect(processesMatching(collector.dir)).toEqual([]);
    expect(existsSync(collector.dir)).toBe(false);
  });
});
