// The one place that touches the OpenTelemetry SDK, the OTLP exporter and grpc-js (OTel JS 2.x:
// sdk-trace-node 2.12, exporter 0.223). SDK 3.x renames the provider and processor constructors;
// only this file has to follow. provider.ts imports it dynamically, only for a provider with
// tracing on: these modules (about 290 CommonJS files) are most of what tracing costs at start-up.
import { credentials } from '@grpc/grpc-js';
import type { TracerProvider } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { markContextManagerInstalled } from '../context-manager.ts';
import type { CollectorTlsMaterial } from '../tls.ts';
import { w3cPropagator } from './w3c-propagator.ts';

export interface SdkProviderParams {
  readonly samplingRatePerMillion: number | undefined;
  readonly resourceAttributes: Readonly<Record<string, string | number | boolean>>;
  readonly url: string;
  readonly tls: CollectorTlsMaterial | undefined;
  readonly exportTimeoutMs: number;
  readonly spanProcessors: readonly SpanProcessor[];
  readonly register: boolean;
}

export interface SdkProvider {
  readonly tracerProvider: TracerProvider;
  readonly sampler: string;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * ParentBased(TraceIdRatioBased(rate / 1e6)), or ParentBased(AlwaysOff) for unset/0: a root span
 * is never sampled then, a child follows its parent. The same choice as component-base.
 */
export function kubernetesSampler(samplingRatePerMillion: number | undefined): Sampler {
  const rate = samplingRatePerMillion ?? 0;
  const root = rate > 0 ? new TraceIdRatioBasedSampler(rate / 1_000_000) : new AlwaysOffSampler();
  return new ParentBasedSampler({ root });
}

export function createSdkProvider(params: SdkProviderParams): SdkProvider {
  const channelCredentials =
    params.tls === undefined
      ? credentials.createInsecure()
      : credentials.createSsl(params.tls.ca ?? null, params.tls.key ?? null, params.tls.cert ?? null);
  const exporter = new OTLPTraceExporter({
    url: params.url,
    credentials: channelCredentials,
    timeoutMillis: params.exportTimeoutMs,
  });
  const sampler = kubernetesSampler(params.samplingRatePerMillion);
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...params.resourceAttributes })),
    sampler,
    spanProcessors: [new BatchSpanProcessor(exporter), ...params.spanProcessors],
  });
  if (params.register) {
    // Also installs an AsyncLocalStorage context manager.
    provider.register({ propagator: w3cPropagator });
    markContextManagerInstalled();
  }
  return {
    tracerProvider: provider,
    sampler: sampler.toString(),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
