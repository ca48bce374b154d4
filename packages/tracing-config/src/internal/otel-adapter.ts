// The one place that touches the OpenTelemetry SDK, the OTLP exporter and grpc-js (OTel JS 2.x:
// sdk-trace-node 2.12, exporter 0.223). SDK 3.x renames the provider and processor constructors;
// only this file has to follow.
import { credentials } from '@grpc/grpc-js';
import { context, propagation, type TracerProvider } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
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
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { CollectorTlsMaterial } from '../tls.ts';

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

/** W3C trace context + baggage, as Kubernetes' tracing.Propagators(). */
export function w3cPropagator(): CompositePropagator {
  return new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
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

let contextManagerInstalled = false;

/**
 * Installs an AsyncLocalStorage context manager unless one is already installed, so the active
 * span follows `await`s. Idempotent.
 */
export function installContextManager(): void {
  if (contextManagerInstalled) return;
  // Returns false when another one is installed already, which serves as well.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerInstalled = true;
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
    provider.register({ propagator: w3cPropagator() });
    contextManagerInstalled = true;
  }
  return {
    tracerProvider: provider,
    sampler: sampler.toString(),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Sets the global W3C propagator (used when there is no configuration: propagation still works). */
export function registerPropagator(): void {
  propagation.setGlobalPropagator(w3cPropagator());
}
