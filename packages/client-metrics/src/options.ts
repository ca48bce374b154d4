// The options of createClientMetrics, in the kit's one order: resolve fills defaults, validate returns
// every problem with its path, apply throws once. Unknown keys are refused at every depth.
import {
  applyOptions,
  boolean,
  checkValue,
  custom,
  describe,
  duration,
  hasMethods,
  list,
  matches,
  object,
  withDefaults,
  type Check,
  type OptionProblem,
} from '@kubediag/options';
import type { Registry } from 'prom-client';
import { requestOrigin, type KubeConfigLike } from './apiserver-hosts.ts';
import { invalidOptions } from './errors.ts';

/** How the watches of observed informers are run and judged. */
export interface InformerHealthOptions {
  /**
   * Ask the apiserver for bookmarks on observed watches (`allowWatchBookmarks`, as client-go's
   * reflector does): a quiet watch then hears from the apiserver roughly every minute, which tells it
   * from a stalled one. `false` leaves the watches as client-node makes them; set `silentAfterMs: 0`
   * with it.
   * @default true
   */
  readonly bookmarks?: boolean;
  /**
   * The check fails once a watch has been down (ended, failed, not restarted) this long. Normal
   * restarts take milliseconds (client-node 2.x waits up to a few seconds between quiet restarts).
   * `0` fails at once.
   * @default 30_000
   */
  readonly disconnectedAfterMs?: number;
  /**
   * The check fails once a watch has been up this long without an event or bookmark. `0` turns it
   * off (do that for resources the apiserver serves without its watch cache, which sends no bookmarks).
   * @default 300_000 (bookmarks come roughly every minute; 5 minutes leave room for a slow one)
   */
  readonly silentAfterMs?: number;
}

/** InformerHealthOptions with every default filled in. */
export interface ResolvedInformerHealthOptions {
  readonly bookmarks: boolean;
  readonly disconnectedAfterMs: number;
  readonly silentAfterMs: number;
}

/** Options of `createClientMetrics`. `registry` is required. */
export interface ClientMetricsOptions {
  /** Where the metrics are registered (shared with other instances on the same registry). */
  readonly registry: Registry;
  /**
   * The operator's `@kubernetes/client-node` KubeConfig: requests to its current cluster's server
   * are counted (whichever KubeConfig object or client sends them).
   * @default none: `servers`; with neither, the in-cluster apiserver (KUBERNETES_SERVICE_HOST:PORT)
   */
  readonly kubeConfig?: KubeConfigLike;
  /** More apiserver URLs whose requests are counted, e.g. `https://10.96.0.1:443`. @default [] */
  readonly servers?: readonly string[];
  /**
   * Count requests: `rest_client_requests_total` and `kubediag_rest_client_requests_total`. `false`
   * subscribes to no channel and counts nothing (informers and leadership still report).
   * @default true
   */
  readonly requests?: boolean;
  /**
   * `rest_client_request_duration_seconds{verb,host}` with client-go's buckets: opt-in, as in
   * controller-runtime (RegisterRESTClientMetrics(MetricRequestLatency)). Needs `requests`.
   * @default false
   */
  readonly requestDuration?: boolean;
  /** Watches of observed informers: bookmarks and the bounds of their health check. */
  readonly informers?: InformerHealthOptions;
}

/** ClientMetricsOptions with every default filled in; assignable to ClientMetricsOptions. */
export interface ResolvedClientMetricsOptions {
  readonly registry: Registry;
  readonly kubeConfig?: KubeConfigLike;
  readonly servers: readonly string[];
  readonly requests: boolean;
  readonly requestDuration: boolean;
  readonly informers: ResolvedInformerHealthOptions;
}

const DEFAULTS: Omit<ResolvedClientMetricsOptions, 'registry'> = Object.freeze({
  servers: Object.freeze([]),
  requests: true,
  requestDuration: false,
  informers: Object.freeze({ bookmarks: true, disconnectedAfterMs: 30_000, silentAfterMs: 300_000 }),
});

const serverUrl: Check = custom((value) =>
  typeof value === 'string' && requestOrigin(value) !== undefined
    ? undefined
    : `expected an http(s) URL of an apiserver, got ${describe(value)}`,
);

const SHAPE: Check = object({
  registry: matches(hasMethods('getSingleMetric', 'registerMetric'), 'a prom-client Registry'),
  kubeConfig: matches(hasMethods('getCurrentCluster'), 'a @kubernetes/client-node KubeConfig'),
  servers: list(serverUrl),
  requests: boolean(),
  requestDuration: boolean(),
  informers: object({
    bookmarks: boolean(),
    disconnectedAfterMs: duration(),
    silentAfterMs: duration(),
  }),
});

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveClientMetricsOptions(options?: ClientMetricsOptions): ResolvedClientMetricsOptions {
  return withDefaults<ResolvedClientMetricsOptions>(DEFAULTS, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateClientMetricsOptions(resolved: ResolvedClientMetricsOptions): OptionProblem[] {
  const problems = checkValue(SHAPE, resolved);
  if (resolved.registry === undefined)
    problems.push({ path: 'registry', message: 'expected a prom-client Registry, got undefined' });
  if (resolved.requestDuration === true && resolved.requests === false)
    problems.push({
      path: 'requestDuration',
      message: 'needs requests, which is false: durations are taken from the requests counted',
    });
  return problems;
}

/** 3. apply: resolve → validate → throw once. Internal; createClientMetrics calls it. */
export function applyClientMetricsOptions(options: ClientMetricsOptions): ResolvedClientMetricsOptions {
  return applyOptions(options, {
    resolve: resolveClientMetricsOptions,
    validate: validateClientMetricsOptions,
    invalid: (problems) => invalidOptions('invalid client metrics options', problems),
  });
}
