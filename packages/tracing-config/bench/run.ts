// Benchmarks of @kubediag/tracing-config against the plain alternatives (the anchors), in one run:
//   1. decoding a TracingConfiguration strictly vs yaml.parse({ version: '1.1' }) alone;
//   2. withReconcileSpan vs tracer.startActiveSpan on the same tracer.
// Run: pnpm --filter @kubediag/tracing-config bench   (writes bench/RESULTS.md)
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { parse } from 'yaml';
import {
  createTracingProvider,
  decodeTracingConfiguration,
  installContextManager,
  withReconcileSpan,
} from '../src/index.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const rows: string[][] = [];

function best(run: () => void, rounds = QUICK ? 2 : 5): number {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    run();
    min = Math.min(min, Number(process.hrtime.bigint() - t0));
  }
  return min;
}

async function bestAsync(run: () => Promise<void>, rounds = QUICK ? 2 : 5): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await run();
    min = Math.min(min, Number(process.hrtime.bigint() - t0));
  }
  return min;
}

const us = (ns: number) => (ns / 1000).toFixed(2);

const TEXT = `apiVersion: apiserver.config.k8s.io/v1
kind: TracingConfiguration
endpoint: otel-collector.observability:4317
samplingRatePerMillion: 100
`;
const N_DECODE = QUICK ? 2_000 : 20_000;
const ours =
  best(() => {
    for (let i = 0; i < N_DECODE; i++) decodeTracingConfiguration(TEXT);
  }) / N_DECODE;
const anchor =
  best(() => {
    for (let i = 0; i < N_DECODE; i++) parse(TEXT, { version: '1.1' });
  }) / N_DECODE;
rows.push([
  'decode a TracingConfiguration (µs/op)',
  us(ours),
  `yaml.parse 1.1: ${us(anchor)}`,
  `${(ours / anchor).toFixed(2)}x`,
]);

installContextManager();
const memory = new InMemorySpanExporter();
const provider = await createTracingProvider(
  { samplingRatePerMillion: 1_000_000, endpoint: '127.0.0.1:9' },
  {
    serviceName: 'bench',
    register: false,
    spanProcessors: [new SimpleSpanProcessor(memory)],
    shutdownTimeoutMs: 100,
  },
);
const tracer = provider.getTracer('bench');
const N_SPAN = QUICK ? 2_000 : 20_000;
const helper =
  (await bestAsync(async () => {
    for (let i = 0; i < N_SPAN; i++) {
      await withReconcileSpan(tracer, { controller: 'memcached', name: 'cache', namespace: 'prod' }, () => i);
    }
    memory.reset();
  })) / N_SPAN;
const bare =
  (await bestAsync(async () => {
    for (let i = 0; i < N_SPAN; i++) {
      await tracer.startActiveSpan('Reconcile memcached', async (span) => {
        span.end();
        return Promise.resolve(i);
      });
    }
    memory.reset();
  })) / N_SPAN;
rows.push([
  'reconcile span, sampled (µs/op)',
  us(helper),
  `startActiveSpan: ${us(bare)}`,
  `${(helper / bare).toFixed(2)}x`,
]);
await provider.shutdown().catch(() => undefined);

const table = [
  '| benchmark | @kubediag/tracing-config | anchor | ratio |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(table);
if (!QUICK) {
  const header = `# @kubediag/tracing-config benchmarks\n\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), shared with other builds. Best of 5 rounds.\n\n`;
  const notes =
    '\n\nThe decode anchor only parses YAML; ours also walks the document for duplicate keys, types, int32 range, apiVersion/kind and component-base validation (Go url.Parse port). ' +
    "The span anchor is a bare startActiveSpan; ours adds the attributes, a random reconcile ID and error handling, yet measured no slower (the anchor's async callback costs an extra promise; on a shared 2-core machine treat differences under ~30% as noise). " +
    "Both are per-startup or per-reconcile costs, far below a reconcile's apiserver round trip.\n";
  writeFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), header + table + notes);
}
