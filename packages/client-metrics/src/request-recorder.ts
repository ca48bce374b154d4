// Counts the requests of a set of apiservers into one set of request families. Instances that share a
// registry share one recorder (keyed by its counter), so that two of them in a process never count a
// request twice; each adds its apiservers and takes them back on close.
import type { Counter } from 'prom-client';
import type { ApiserverHost } from './apiserver-hosts.ts';
import type { ApiserverRequest } from './request-info.ts';
import type { RequestMetrics } from './request-metrics.ts';

export class RequestRecorder {
  readonly #metrics: RequestMetrics;
  #duration: RequestMetrics['duration'];
  readonly #hosts = new Map<string, { readonly label: string; refs: number }>();

  constructor(metrics: RequestMetrics) {
    this.#metrics = metrics;
    this.#duration = metrics.duration;
  }

  /** Whether request durations are observed, so the tap knows to wait for a request's end. */
  get timed(): boolean {
    return this.#duration !== undefined;
  }

  /** The `host` label of a request origin, when it is one of the apiservers counted here. */
  hostOf(origin: string): string | undefined {
    return this.#hosts.get(origin)?.label;
  }

  /** The apiservers of one instance; the first instance to name an origin gives its label. */
  add(hosts: readonly ApiserverHost[], metrics: RequestMetrics): void {
    this.#duration ??= metrics.duration;
    for (const { origin, label } of hosts) {
      const known = this.#hosts.get(origin);
      if (known === undefined) this.#hosts.set(origin, { label, refs: 1 });
      else known.refs++;
    }
  }

  /** Takes back what `add` added; true when no apiserver is left. */
  remove(hosts: readonly ApiserverHost[]): boolean {
    for (const { origin } of hosts) {
      const known = this.#hosts.get(origin);
      if (known !== undefined && --known.refs === 0) this.#hosts.delete(origin);
    }
    return this.#hosts.size === 0;
  }

  /** A request answered (`code` is its status) or failed before any answer (`<error>`). */
  record(host: string, method: string, request: ApiserverRequest, code: string): void {
    this.#metrics.requests.inc({ code, method, host });
    this.#metrics.byVerb.inc({
      code,
      verb: request.verb,
      group: request.group,
      resource: request.resource,
      subresource: request.subresource,
    });
  }

  /** A request's whole duration, response body included, as client-go measures it. */
  observe(host: string, method: string, seconds: number): void {
    this.#duration?.observe({ verb: method, host }, seconds);
  }
}

const recorders = new WeakMap<Counter, RequestRecorder>();

/** The recorder of these families: the one already counting into them, or a new one. */
export function recorderOf(metrics: RequestMetrics): RequestRecorder {
  let recorder = recorders.get(metrics.requests);
  if (recorder === undefined) {
    recorder = new RequestRecorder(metrics);
    recorders.set(metrics.requests, recorder);
  }
  return recorder;
}
