// leader_election_master_status as client-go reports it (controller-runtime registers it by default,
// pkg/metrics/leaderelection.go): 1 while this replica holds the lease called `name`, 0 while it is
// a backup. kubediag runs no election itself: whatever does (a Lease loop of the operator's own, a
// library) calls the two callbacks, named as client-go's LeaderCallbacks.
import type { Gauge } from 'prom-client';
import { gauge, type Family } from './internal/metric-families.ts';
import type { Registry } from 'prom-client';

export const LEADER_STATUS: Family = {
  name: 'leader_election_master_status',
  help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
  labelNames: ['name'],
};

/** A replica's part in one leader election. */
export interface LeaderElection {
  /** The lease's name: the `name` label. */
  readonly name: string;
  /** Whether this replica leads now. */
  readonly leading: boolean;
  /** Call when this replica acquired the lease (client-go's OnStartedLeading). */
  readonly onStartedLeading: () => void;
  /** Call when it lost or released the lease (client-go's OnStoppedLeading). */
  readonly onStoppedLeading: () => void;
  /**
   * A health check that fails while this replica is not the leader: for readiness when only the
   * leader may receive traffic (see the README: it holds back rollouts whose new pod cannot lead).
   */
  readonly check: () => void;
}

export function leaderStatusGauge(registry: Registry): Gauge {
  return gauge(registry, LEADER_STATUS);
}

/**
 * The election `name` on `status`, reported 0 from the start: client-go writes the gauge only once a
 * replica first leads, which leaves a standby without a series; 0 is what the help text calls a backup.
 */
export function leaderElection(name: string, status: Gauge): LeaderElection {
  const series = status.labels(name);
  let leading = false;
  series.set(0);
  return {
    name,
    get leading() {
      return leading;
    },
    onStartedLeading: () => {
      leading = true;
      series.set(1);
    },
    onStoppedLeading: () => {
      leading = false;
      series.set(0);
    },
    check: () => {
      if (!leading) throw new Error(`not the leader of ${JSON.stringify(name)}`);
    },
  };
}
