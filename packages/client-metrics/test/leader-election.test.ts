import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createClientMetrics, isClientMetricsError } from '../src/index.ts';
import { metricValue } from './support/metric-values.ts';

describe('leaderElection', () => {
  it('reports leader_election_master_status{name} as client-go does: 1 leading, 0 backup', async () => {
    const registry = new Registry();
    const m = createClientMetrics({ registry, requests: false });
    const election = m.leaderElection('demo-operator-lock');
    const status = () =>
      metricValue(registry, 'leader_election_master_status', { name: 'demo-operator-lock' });
    // A standby has its series from the start (client-go writes it only once a replica first leads).
    expect(await status()).toBe(0);
    expect(election.leading).toBe(false);
    election.onStartedLeading();
    expect(await status()).toBe(1);
    expect(election.leading).toBe(true);
    // The callbacks are bound: they can be handed to an election library as they are.
    const { onStoppedLeading } = election;
    onStoppedLeading();
    expect(await status()).toBe(0);
    expect(m.leaderElection('demo-operator-lock')).toBe(election);
    expect((await registry.getSingleMetric('leader_election_master_status')?.get())?.help).toBe(
      "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
    );
    m.close();
  });

  it('has a check that fails while this replica does not lead, for leader-only readiness', () => {
    const election = createClientMetrics({ registry: new Registry(), requests: false }).leaderElection('l');
    expect(() => election.check()).toThrow('not the leader of "l"');
    election.onStartedLeading();
    expect(() => election.check()).not.toThrow();
  });

  it('refuses an empty name', () => {
    const m = createClientMetrics({ registry: new Registry(), requests: false });
    expect(() => m.leaderElection('')).toThrow(
      expect.objectContaining({ code: 'KDIAG_CLIENT_METRICS_INVALID_ARGUMENT' }),
    );
    try {
      m.leaderElection(42 as unknown as string);
    } catch (err) {
      expect(isClientMetricsError(err)).toBe(true);
      expect((err as Error).message).toBe('leader election: expected a non-empty name, got number');
    }
  });
});
