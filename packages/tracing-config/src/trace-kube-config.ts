// traceparent on every request an operator makes through a @kubernetes/client-node KubeConfig, in
// both majors. Every request path ends in one of three KubeConfig methods, which the view wraps:
// - applySecurityAuthentication: API clients (makeApiClient) in 1.x and 2.x; in 2.x also watches
//   and informers, logs, metrics and health checks;
// - applyToFetchOptions (1.x only): watches and informers, logs, metrics, health checks;
// - applyToHTTPSOptions (both): the protobuf client and the exec/attach/port-forward WebSockets.
// A method the KubeConfig lacks stays absent on the view, so code that tells the majors apart by
// `typeof kc.applyToFetchOptions` keeps working.
import { context } from '@opentelemetry/api';
import { injectTraceContext, type HeaderSettable } from './client-node.ts';

/**
 * The parts of client-node's `KubeConfig` (1.x or 2.x) this package wraps, structurally:
 * `applyToFetchOptions` exists in 1.x only, `applyToHTTPSOptions` in both.
 */
export interface TraceableKubeConfig {
  applySecurityAuthentication(context: HeaderSettable): Promise<void>;
  applyToFetchOptions?(opts: unknown): Promise<unknown>;
  applyToHTTPSOptions?(opts: unknown): Promise<void>;
}

type SetHeader = (key: string, value: string) => void;

/** A setter for a fetch `Headers` object or a plain header record, created on first use. */
function headerSetter(owner: { headers?: unknown }): SetHeader {
  return (key, value) => {
    const headers = (owner.headers ??= {}) as { set?: unknown } & Record<string, unknown>;
    if (typeof headers.set === 'function') (headers.set as SetHeader).call(headers, key, value);
    else headers[key] = value;
  };
}

const isObject = (v: unknown): v is { headers?: unknown } => typeof v === 'object' && v !== null;

/**
 * Returns a view of `kc` (a client-node `KubeConfig`, 1.x or 2.x) whose requests carry
 * `traceparent` (and `tracestate`, `baggage`) of the span active when each request starts: API
 * clients made with `makeApiClient()` on the returned object, `new Watch(view)`, informers, logs,
 * metrics, exec, attach and port-forward. `kc` itself is not modified; everything else is
 * forwarded. Outside a span nothing is added.
 */
export function traceKubeConfig<K extends TraceableKubeConfig>(kc: K): K {
  const applySecurityAuthentication = async function (this: K, req: HeaderSettable): Promise<void> {
    // Capture the caller's context before awaiting: it is the request's parent.
    const active = context.active();
    await kc.applySecurityAuthentication.call(this, req);
    injectTraceContext((key, value) => req.setHeaderParam(key, value), active);
  };
  const applyToFetchOptions = async function (this: K, opts: unknown): Promise<unknown> {
    const active = context.active();
    const init = await kc.applyToFetchOptions!.call(this, opts);
    if (isObject(init)) injectTraceContext(headerSetter(init), active);
    return init;
  };
  const applyToHTTPSOptions = async function (this: K, opts: unknown): Promise<void> {
    const active = context.active();
    await kc.applyToHTTPSOptions!.call(this, opts);
    if (isObject(opts)) injectTraceContext(headerSetter(opts), active);
  };
  const wrappers: Partial<Record<PropertyKey, unknown>> = { applySecurityAuthentication };
  if (typeof kc.applyToFetchOptions === 'function') wrappers['applyToFetchOptions'] = applyToFetchOptions;
  if (typeof kc.applyToHTTPSOptions === 'function') wrappers['applyToHTTPSOptions'] = applyToHTTPSOptions;
  return new Proxy(kc, {
    get(target, prop, receiver) {
      return Object.hasOwn(wrappers, prop)
        ? wrappers[prop]
        : (Reflect.get(target, prop, receiver) as unknown);
    },
  });
}
