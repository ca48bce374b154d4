// The options of every entry point of this package, each in the kit's one order: resolve fills
// defaults, validate returns every problem with its path, apply throws once. Unknown keys are
// refused at every depth. (A TracingConfiguration *file* is checked by decode.ts, with Kubernetes'
// own strict rules and messages: it is not an options object.)
import { randomUUID } from 'node:crypto';
import type { Attributes } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';
import {
  applyOptions,
  boolean,
  isPlainObject,
  checkValue,
  duration,
  list,
  matches,
  object,
  record,
  string,
  withDefaults,
  type Check,
  type OptionProblem,
} from '@kubediag/options';
import { invalidOptions } from './errors.ts';

// ---- createTracingProvider ----

/**
 * TLS for the connection to the collector. Not part of Kubernetes' TracingConfiguration: a
 * kubediag extension passed to {@link createTracingProvider}. Files are read once, when the
 * provider is created; restart to pick up rotated certificates.
 */
export interface CollectorTlsOptions {
  /**
   * PEM bundle of CAs that sign the collector's serving certificate.
   * @default undefined (Node.js' built-in root CAs)
   */
  readonly caFile?: string;
  /**
   * PEM client certificate, for collectors that require mutual TLS. Needs `keyFile`.
   * @default undefined (no client certificate)
   */
  readonly certFile?: string;
  /**
   * PEM private key of `certFile`. Needs `certFile`.
   * @default undefined
   */
  readonly keyFile?: string;
}

/** Options of {@link createTracingProvider}. */
export interface TracingProviderOptions {
  /**
   * `service.name` of the spans (kube-apiserver uses `apiserver`). Required.
   */
  readonly serviceName: string;
  /**
   * `service.instance.id`: tells replicas apart. Setting it to the pod name makes traces easy to
   * map to pods.
   * @default `${serviceName}-${randomUUID()}` (like kube-apiserver's `apiserver-<uuid>`)
   */
  readonly serviceInstanceId?: string;
  /**
   * More resource attributes (e.g. `service.version`, `k8s.pod.name`). `service.name` and
   * `service.instance.id` above win over entries here.
   * @default {}
   */
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>>;
  /**
   * TLS to the collector: a kubediag extension, not a Kubernetes field. Off (plain gRPC, like
   * Kubernetes) unless set.
   * @default undefined
   */
  readonly tls?: CollectorTlsOptions | undefined;
  /**
   * Upper bound on `shutdown()` and `forceFlush()`: they give up (and reject) after this long so
   * a SIGTERM handler cannot hang on an unreachable collector.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
  /**
   * Timeout of one OTLP export call.
   * @default 10000
   */
  readonly exportTimeoutMs?: number;
  /**
   * Make this the global provider: sets the global tracer provider, the W3C trace-context +
   * baggage propagator and an AsyncLocalStorage context manager (what Kubernetes components do
   * with `otel.SetTracerProvider`). `false` touches nothing global; use `provider.getTracer()`.
   * @default true
   */
  readonly register?: boolean;
  /**
   * Extra span processors run next to the OTLP batch processor (e.g. an in-memory exporter in
   * tests).
   * @default []
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** {@link TracingProviderOptions} with every default filled in; assignable to them. */
export interface ResolvedTracingProviderOptions {
  readonly serviceName: string;
  readonly serviceInstanceId: string;
  readonly resourceAttributes: Readonly<Record<string, string | number | boolean>>;
  readonly tls: CollectorTlsOptions | undefined;
  readonly shutdownTimeoutMs: number;
  readonly exportTimeoutMs: number;
  readonly register: boolean;
  readonly spanProcessors: readonly SpanProcessor[];
}

/** Before the instance id, which is derived from the service name, is filled in. */
type ProviderDefaults = Omit<ResolvedTracingProviderOptions, 'serviceName' | 'serviceInstanceId'> & {
  readonly serviceName: string | undefined;
  readonly serviceInstanceId: string | undefined;
};

const PROVIDER_DEFAULTS: ProviderDefaults = Object.freeze({
  // Required, and derived from it: present here only so that problems list them first.
  serviceName: undefined,
  serviceInstanceId: undefined,
  resourceAttributes: Object.freeze({}),
  tls: undefined,
  shutdownTimeoutMs: 5000,
  exportTimeoutMs: 10_000,
  register: true,
  spanProcessors: Object.freeze([]),
});

const isScalar = (v: unknown): boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

// setTimeout's largest delay: the timeouts bound timers.
const MAX_TIMER_MS = 2_147_483_647;
const nonBlank = string({ pattern: /\S/, expected: 'a non-empty string' });

const PROVIDER_SHAPE: Check = object({
  serviceName: nonBlank,
  serviceInstanceId: nonBlank,
  resourceAttributes: record(matches(isScalar, 'a string, number or boolean')),
  tls: object({ caFile: string(), certFile: string(), keyFile: string() }),
  shutdownTimeoutMs: duration({ min: 1, max: MAX_TIMER_MS }),
  exportTimeoutMs: duration({ min: 1, max: MAX_TIMER_MS }),
  register: boolean(),
  spanProcessors: list(
    matches(
      (v) => typeof (v as Partial<SpanProcessor> | null)?.onEnd === 'function',
      'a SpanProcessor (an object with onStart, onEnd, forceFlush and shutdown)',
    ),
  ),
});

/** Fills defaults, `serviceInstanceId` from `serviceName`; never throws, never validates. */
export function resolveTracingProviderOptions(
  options: TracingProviderOptions,
): ResolvedTracingProviderOptions {
  const filled = withDefaults<ProviderDefaults>(PROVIDER_DEFAULTS, options);
  if (filled.serviceInstanceId !== undefined) return filled as ResolvedTracingProviderOptions;
  return Object.freeze({
    ...filled,
    serviceInstanceId: `${String(filled.serviceName)}-${randomUUID()}`,
  }) as ResolvedTracingProviderOptions;
}

/** Every problem of resolved provider options, each with its path; empty when valid. */
export function validateTracingProviderOptions(resolved: ResolvedTracingProviderOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  if ((resolved.serviceName as string | undefined) === undefined)
    problems.push({ path: 'serviceName', message: 'expected a non-empty string, got undefined' });
  problems.push(...checkValue(PROVIDER_SHAPE, resolved));
  const { tls } = resolved;
  if (isPlainObject(tls) && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    problems.push({
      path: tls.certFile === undefined ? 'tls.certFile' : 'tls.keyFile',
      message: 'expected tls.certFile and tls.keyFile together, got only one of them',
    });
  }
  return problems;
}

/** resolve → validate → throw KDIAG_TRACING_INVALID_OPTIONS once. Internal. */
export function applyTracingProviderOptions(options: TracingProviderOptions): ResolvedTracingProviderOptions {
  return applyOptions(options, {
    resolve: (input) => resolveTracingProviderOptions(input as TracingProviderOptions),
    validate: validateTracingProviderOptions,
    invalid: (problems) => invalidOptions('invalid tracing provider options', problems),
  });
}

// ---- decodeTracingConfiguration and loadTracingConfiguration ----

/** Options of {@link decodeTracingConfiguration}. */
export interface DecodeTracingConfigurationOptions {
  /**
   * Where the data came from, used in error messages (a file path).
   * @default 'input'
   */
  readonly source?: string;
  /**
   * Dotted path of a TracingConfiguration block embedded in a larger configuration (the kubelet's
   * `tracing`). The rest of the document is not checked; an absent or null block means tracing is
   * off and decoding returns `undefined`. Field paths in messages start with this path.
   * @default undefined (the whole document is a TracingConfiguration with apiVersion and kind)
   */
  readonly embeddedAt?: string | undefined;
}

/** {@link DecodeTracingConfigurationOptions} with every default filled in. */
export interface ResolvedDecodeTracingConfigurationOptions {
  readonly source: string;
  readonly embeddedAt: string | undefined;
}

/** Options of {@link loadTracingConfiguration}. */
export interface LoadTracingConfigurationOptions {
  /**
   * Dotted path of an embedded TracingConfiguration block (the kubelet's `tracing`); see
   * {@link DecodeTracingConfigurationOptions.embeddedAt}.
   * @default undefined (the file is a standalone TracingConfiguration)
   */
  readonly embeddedAt?: string | undefined;
  /**
   * Largest file accepted, in bytes; bigger files are refused unread. Set `Infinity` to turn the
   * bound off.
   * @default 1048576 (1 MiB)
   */
  readonly maxBytes?: number;
}

/** {@link LoadTracingConfigurationOptions} with every default filled in. */
export interface ResolvedLoadTracingConfigurationOptions {
  readonly embeddedAt: string | undefined;
  readonly maxBytes: number;
}

const DECODE_DEFAULTS: ResolvedDecodeTracingConfigurationOptions = Object.freeze({
  source: 'input',
  embeddedAt: undefined,
});
const LOAD_DEFAULTS: ResolvedLoadTracingConfigurationOptions = Object.freeze({
  embeddedAt: undefined,
  maxBytes: 1024 * 1024,
});

const embeddedAt = string({
  pattern: /^[^.]+(?:\.[^.]+)*$/,
  expected: 'a dotted field path such as "tracing"',
});

const DECODE_SHAPE: Check = object({ source: string(), embeddedAt });
const LOAD_SHAPE: Check = object({
  embeddedAt,
  maxBytes: matches(
    (v) => v === Infinity || (Number.isSafeInteger(v) && (v as number) >= 0),
    'a size in bytes >= 0, or Infinity',
  ),
});

/** Fills the defaults of decode options; never throws, never validates. */
export function resolveDecodeOptions(
  options?: DecodeTracingConfigurationOptions,
): ResolvedDecodeTracingConfigurationOptions {
  return withDefaults<ResolvedDecodeTracingConfigurationOptions>(DECODE_DEFAULTS, options);
}

/** Every problem of resolved decode options, each with its path; empty when valid. */
export function validateDecodeOptions(resolved: ResolvedDecodeTracingConfigurationOptions): OptionProblem[] {
  return checkValue(DECODE_SHAPE, resolved);
}

/** resolve → validate → throw KDIAG_TRACING_INVALID_OPTIONS once. Internal. */
export function applyDecodeOptions(
  options?: DecodeTracingConfigurationOptions,
): ResolvedDecodeTracingConfigurationOptions {
  return applyOptions(options, {
    resolve: resolveDecodeOptions,
    validate: validateDecodeOptions,
    invalid: (problems) => invalidOptions('invalid tracing configuration decode options', problems),
  });
}

/** Fills the defaults of load options; never throws, never validates. */
export function resolveLoadOptions(
  options?: LoadTracingConfigurationOptions,
): ResolvedLoadTracingConfigurationOptions {
  return withDefaults<ResolvedLoadTracingConfigurationOptions>(LOAD_DEFAULTS, options);
}

/** Every problem of resolved load options, each with its path; empty when valid. */
export function validateLoadOptions(resolved: ResolvedLoadTracingConfigurationOptions): OptionProblem[] {
  return checkValue(LOAD_SHAPE, resolved);
}

/** resolve → validate → throw KDIAG_TRACING_INVALID_OPTIONS once. Internal. */
export function applyLoadOptions(
  options?: LoadTracingConfigurationOptions,
): ResolvedLoadTracingConfigurationOptions {
  return applyOptions(options, {
    resolve: resolveLoadOptions,
    validate: validateLoadOptions,
    invalid: (problems) => invalidOptions('invalid tracing configuration load options', problems),
  });
}

// ---- withReconcileSpan ----

/** Options of {@link withReconcileSpan}. */
export interface ReconcileSpanOptions {
  /**
   * Span name.
   * @default `Reconcile <controller>`
   */
  readonly spanName?: string | undefined;
  /**
   * Extra attributes on the span.
   * @default {}
   */
  readonly attributes?: Attributes;
  /**
   * Reconcile ID recorded as `k8s.reconcile.id` (controller-runtime logs one per reconcile).
   * @default a random UUID
   */
  readonly reconcileId?: string | undefined;
}

/**
 * {@link ReconcileSpanOptions} with the defaults that do not depend on the request filled in;
 * `spanName` (from the controller) and `reconcileId` (fresh per reconcile) are made per call.
 */
export interface ResolvedReconcileSpanOptions {
  readonly spanName: string | undefined;
  readonly attributes: Attributes;
  readonly reconcileId: string | undefined;
}

const RECONCILE_DEFAULTS: ResolvedReconcileSpanOptions = Object.freeze({
  spanName: undefined,
  attributes: Object.freeze({}),
  reconcileId: undefined,
});

// OpenTelemetry's AttributeValue: a scalar or an array of scalars (null and undefined allowed in it).
const attributeValue = (v: unknown): boolean =>
  isScalar(v) || (Array.isArray(v) && v.every((x) => x === null || x === undefined || isScalar(x)));

const RECONCILE_SHAPE: Check = object({
  spanName: string(),
  attributes: record(
    matches(attributeValue, 'an attribute value (a string, number, boolean or an array of them)'),
  ),
  reconcileId: string(),
});

/** Fills the defaults of reconcile span options; never throws, never validates. */
export function resolveReconcileSpanOptions(options?: ReconcileSpanOptions): ResolvedReconcileSpanOptions {
  return withDefaults<ResolvedReconcileSpanOptions>(RECONCILE_DEFAULTS, options);
}

/** Every problem of resolved reconcile span options, each with its path; empty when valid. */
export function validateReconcileSpanOptions(resolved: ResolvedReconcileSpanOptions): OptionProblem[] {
  return checkValue(RECONCILE_SHAPE, resolved);
}

/** resolve → validate → throw KDIAG_TRACING_INVALID_OPTIONS once. Internal. */
export function applyReconcileSpanOptions(options?: ReconcileSpanOptions): ResolvedReconcileSpanOptions {
  return applyOptions(options, {
    resolve: resolveReconcileSpanOptions,
    validate: validateReconcileSpanOptions,
    invalid: (problems) => invalidOptions('invalid reconcile span options', problems),
  });
}
