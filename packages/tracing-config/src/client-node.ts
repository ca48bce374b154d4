// W3C trace context on an operator's @kubernetes/client-node requests, so the apiserver's spans
// join the operator's trace. Typed structurally: client-node stays the caller's dependency.
// (traceKubeConfig, in trace-kube-config.ts, puts this on every request of a KubeConfig.)
//
// Note (kube-apiserver, endpoints/filters/traces.go): the apiserver makes an incoming
// `traceparent` the PARENT of its span only for users in system:masters or system:monitoring.
// For every other user it starts a new trace and records the incoming span as a LINK, sampled by
// the apiserver's own samplingRatePerMillion.
import { context, type Context } from '@opentelemetry/api';
import { w3cPropagator } from './internal/w3c-propagator.ts';

/** What client-node's RequestContext offers for headers (structural). */
export interface HeaderSettable {
  setHeaderParam(key: string, value: string): void;
}

/** client-node's `PromiseMiddleware` shape (structural). */
export interface TraceparentMiddleware<Req extends HeaderSettable, Res> {
  pre(context: Req): Promise<Req>;
  post(context: Res): Promise<Res>;
}

/**
 * Writes `traceparent` (and `tracestate`, `baggage` when present) for the active span of `ctx`
 * through `set`. Uses W3C trace context and baggage regardless of the global propagator.
 */
export function injectTraceContext(
  set: (key: string, value: string) => void,
  ctx: Context = context.active(),
): void {
  w3cPropagator.inject(ctx, undefined, {
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
