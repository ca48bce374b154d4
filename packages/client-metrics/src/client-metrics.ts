// One instance per operator: counts its apiserver requests (request-tap.ts), observes the informers it
// is given (informer-health.ts) and reports leadership (leader-election.ts), all into one registry.
import type { ApiserverHost } from './apiserver-hosts.ts';
import { apiserverHosts } from './apiserver-hosts.ts';
import { ClientMetricsError, ClientMetricsErrorCode } from './errors.ts';
import { observeInformer, type InformerHealth, type ObservableInformer } from './informer-health.ts';
import { informerMetrics, type InformerMetrics } from './informer-metrics.ts';
import { leaderElection, leaderStatusGauge, type LeaderElection } from './leader-election.ts';
import { applyClientMetricsOptions, type ClientMetricsOptions } from './options.ts';
import { recorderOf, type RequestRecorder } from './request-recorder.ts';
import { requestMetrics } from './request-metrics.ts';
import { attachRecorder, detachRecorder } from './request-tap.ts';

/** What createClientMetrics hands back. */
export interface ClientMetrics {
  /** The `host` labels of the apiservers whose requests are counted; empty when none is. */
  readonly hosts: readonly string[];
  /**
   * Observes a client-node informer (what `makeInformer` returns) under `name`, the `informer` label:
   * its watch events and bookmarks, restarts and errors, and a health check for readiness.
   * @throws ClientMetricsError `KDIAG_CLIENT_METRICS_INVALID_ARGUMENT` for anything else, an
   *   informer observed already or a name in use
   */
  observeInformer(name: string, informer: ObservableInformer): InformerHealth;
  /**
   * The hook of one leader election, `name` being its lease: `leader_election_master_status{name}`.
   * The same name gives the same hook.
   * @throws ClientMetricsError `KDIAG_CLIENT_METRICS_INVALID_ARGUMENT` for an empty name
   */
  leaderElection(name: string): LeaderElection;
  /**
   * Stops counting requests (the channels are left when no other instance counts) and stops
   * observing informers. The metrics stay registered. Idempotent.
   */
  close(): void;
}

function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '')
    throw new ClientMetricsError(
      ClientMetricsErrorCode.INVALID_ARGUMENT,
      `${what}: expected a non-empty name, got ${typeof name === 'string' ? '""' : typeof name}`,
    );
}

/**
 * Counts every request the process sends to the operator's apiserver as client-go does
 * (`rest_client_requests_total{code,method,host}`, opt-in `rest_client_request_duration_seconds`),
 * with the apiserver's verbs and resources in `kubediag_rest_client_requests_total`; observes the
 * informers it is given and reports leader elections. Requests are seen through Node's diagnostics
 * channels, so nothing is wrapped: client-node 1.x and 2.x, watches, and every other client of the
 * same apiserver are counted as they are.
 * @throws ClientMetricsError `KDIAG_CLIENT_METRICS_INVALID_OPTIONS` listing every invalid option
 */
export function createClientMetrics(options: ClientMetricsOptions): ClientMetrics {
  const resolved = applyClientMetricsOptions(options);
  const { registry } = resolved;
  const hosts: readonly ApiserverHost[] = resolved.requests
    ? apiserverHosts(resolved.kubeConfig, resolved.servers, process.env)
    : [];
  let recorder: RequestRecorder | undefined;
  if (resolved.requests) {
    const metrics = requestMetrics(registry, resolved.requestDuration);
    recorder = recorderOf(metrics);
    recorder.add(hosts, metrics);
    // No apiserver to count (no KubeConfig, not in a pod): no channel is subscribed.
    if (hosts.length > 0) attachRecorder(recorder);
  }
  let informers: InformerMetrics | undefined;
  const observed = new Map<string, InformerHealth>();
  const elections = new Map<string, LeaderElection>();
  let closed = false;

  return {
    hosts: Object.freeze(hosts.map((h) => h.label)),
    observeInformer(name, informer) {
      checkName('observe informer', name);
      if (observed.has(name))
        throw new ClientMetricsError(
          ClientMetricsErrorCode.INVALID_ARGUMENT,
          `observe informer: the name ${JSON.stringify(name)} is in use; give each informer its own`,
        );
      informers ??= informerMetrics(registry);
      const health = observeInformer(name, informer, resolved.informers, informers);
      observed.set(name, health);
      return health;
    },
    leaderElection(name) {
      checkName('leader election', name);
      let election = elections.get(name);
      if (election === undefined) {
        election = leaderElection(name, leaderStatusGauge(registry));
        elections.set(name, election);
      }
      return election;
    },
    close() {
      if (closed) return;
      closed = true;
      // A recorder shared with another instance keeps counting that instance's apiservers.
      if (recorder?.remove(hosts) === true) detachRecorder(recorder);
      for (const health of observed.values()) health.unobserve();
      observed.clear();
    },
  };
}
