// The request families: client-go's two, with its names, labels, help and buckets (as
// controller-runtime registers them, pkg/metrics/client_go_adapter.go), and kubediag's count by the
// apiserver's verb and resource, which client-go's `method` (the HTTP method) cannot give.
import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram, type Family } from './internal/metric-families.ts';

export const REQUESTS_TOTAL: Family = {
  name: 'rest_client_requests_total',
  help: 'Number of HTTP requests, partitioned by status code, method, and host.',
  labelNames: ['code', 'method', 'host'],
};

export const REQUEST_DURATION_SECONDS: Family = {
  name: 'rest_client_request_duration_seconds',
  help: 'Request latency in seconds. Broken down by verb and host.',
  labelNames: ['verb', 'host'],
};

/** client-go's buckets for request latency, 5 ms to 60 s. */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60,
];

export const KUBEDIAG_REQUESTS_TOTAL: Family = {
  name: 'kubediag_rest_client_requests_total',
  help:
    'Number of HTTP requests to the apiserver, partitioned by status code and by the verb (GET, LIST, WATCH, POST, PUT, PATCH, DELETE), ' +
    'API group, resource and subresource the apiserver reads from the request.',
  labelNames: ['code', 'verb', 'group', 'resource', 'subresource'],
};

/** The families one recorder moves. */
export interface RequestMetrics {
  readonly requests: Counter;
  readonly byVerb: Counter;
  /** Only when `requestDuration` is on: controller-runtime registers it on request only. */
  readonly duration: Histogram | undefined;
}

export function requestMetrics(registry: Registry, withDuration: boolean): RequestMetrics {
  return {
    requests: counter(registry, REQUESTS_TOTAL),
    byVerb: counter(registry, KUBEDIAG_REQUESTS_TOTAL),
    duration: withDuration
      ? histogram(registry, REQUEST_DURATION_SECONDS, REQUEST_DURATION_BUCKETS)
      : undefined,
  };
}
