// W3C trace context on an operator's @kubernetes/client-node requests, so the apiserver's spans
// join the operator's trace. Typed structurally: client-node stays the caller's dependency.
//
// Note (kube-apiserver, endpoints/filters/traces.go): the apiserver makes an incoming
// `traceparent` the PARENT of its span only for users in system:masters or system:monitoring.
// For every other user it starts a new trace and records the incoming span as a LINK, sampled by
// the apiserver's own samplingRatePerMillion.
import { context, type Context } from '@opentelemetry/api';
import { w3cPropagator } from './internal/otel-adapter.ts';

/** What client-node's RequestContext offers for headers (structural). */
export interface HeaderSettable {
  setHeaderParam(key: string, value: string): void;
}

/** client-node's `PromiseMiddleware` shape (structural). */
export interface TraceparentMiddleware<Req extends HeaderSettable, Res> {
  pre(context: Req): Promise<Req>;
  post(context: Res): Promise<Res>;
}

const propagator = w3cPropagator();

/**
 * Writes `traceparent` (and `tracestate`, `baggage` when present) for the active span of `ctx`
 * through `set`. Uses W3C trace context and baggage regardless of the global propagator.
 */
export function injectTraceContext(
  set: (key: string, value: string) => void,
  ctx: Context = context.active(),
): void {
  propagator.inject(ctx, undefined, {
    set: (_carrier: unknown, key: string, value: string) => set(key, value),
  });
}

/**
 * A client-node `PromiseMiddleware` adding `traceparent` to each request. Pass it in
 * `createConfiguration({ ..., promiseMiddleware: [traceparentMiddleware()] })` or per call.
 */
export function traceparentMiddleware<Req extends HeaderSettable, Res>(): TraceparentMiddleware<Req, Res> {
  return {
    pre: (req) => {
      injectTraceContext((key, value) => req.setHeaderParam(key, value));
      return Promise.resolve(req);
    },
    post: (res) => Promise.resolve(res),
  };
}

/** The parts of client-node's KubeConfig this package wraps (structural). */
export interface TraceableKubeConfig {
  applySecurityAuthentication(context: HeaderSettable): Promise<void>;
  applyToFetchOptions(opts: unknown): Promise<unknown>;
}

/**
 * Returns a view of `kc` (a client-node `KubeConfig`) whose requests carry `traceparent`: API
 * clients made with `makeApiClient()` on the returned object (authentication hook) and watches and
 * informers (`applyToFetchOptions`). `kc` itself is not modified; everything else is forwarded.
 */
export function traceKubeConfig<K extends TraceableKubeConfig>(kc: K): K {
  const applySecurityAuthentication = async function (this: K, req: HeaderSettable): Promise<void> {
    const active = context.active();
    await kc.applySecurityAuthentication.call(this, req);
    injectTraceContext((key, value) => req.setHeaderParam(key, value), active);
  };
  const applyToFetchOptions = async function (this: K, opts: unknown): Promise<unknown> {
    // Capture the caller's context before awaiting: it is the request's parent.
    const active = context.active();
    const init = (await kc.applyToFetchOptions.call(this, opts)) as { headers?: unknown };
    const headers = init.headers as
      { set?: (k: string, v: string) => void } | Record<string, string> | undefined;
    if (headers !== undefined && typeof (headers as { set?: unknown }).set === 'function') {
      injectTraceContext(
        (key, value) => (headers as { set: (k: string, v: string) => void }).set(key, value),
        active,
      );
    } else if (headers !== undefined) {
      injectTraceContext((key, value) => ((headers as Record<string, string>)[key] = value), active);
    }
    return init;
  };
  return new Proxy(kc, {
    get(target, prop, receiver) {
      if (prop === 'applySecurityAuthentication') return applySecurityAuthentication;
      if (prop === 'applyToFetchOptions') return applyToFetchOptions;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}
