import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedDiagnosticsServerOptions } from './options.ts';
import type { Logger } from './types.ts';
import type { HealthCheckRunner } from './health-checks.ts';
import { probeRouter } from './route-table.ts';
import { RequestDispatcher } from './request-dispatch.ts';
import { answerHeadTimeout, guardConnections } from './protocol-guards.ts';
import { ConnectionPolicy } from './connection-policy.ts';
import { drainServer } from './drain.ts';
import { listen } from './listen.ts';

/**
 * The health-probe listener (controller-runtime's HealthProbeBindAddress server): plain HTTP, the
 * health endpoints of the diagnostics port and nothing else, no filter, and bounds of its own, so that
 * the kubelet's probes are answered whatever the clients of the diagnostics port do.
 *
 * It only answers probes; the checks are run by a {@link HealthCheckRunner}, which is all it needs from
 * the rest of the server: the watchdog runs this same listener in a worker thread, with a runner that
 * asks the main thread over a MessagePort (watchdog/).
 */
export interface ProbeListener {
  address(): AddressInfo | null;
  /** Stops accepting, lets in-flight probes finish for up to `graceMs`, then closes the rest. */
  stop(graceMs: number): Promise<void>;
}

/** What the probe listener needs of the server's options: plain data, so a worker thread gets it too. */
export type ProbeListenerSettings = Pick<
  ResolvedDiagnosticsServerOptions,
  | 'healthProbeBindAddress'
  | 'maxHeaderSize'
  | 'healthCheckTimeoutMs'
  | 'healthProbeTimeoutMs'
  | 'healthProbeMaxConnections'
  | 'healthProbeMaxConnectionsPerSource'
>;

/** The probe listener's settings out of the resolved options, and nothing else. */
export function probeListenerSettings(o: ResolvedDiagnosticsServerOptions): ProbeListenerSettings {
  return {
    healthProbeBindAddress: o.healthProbeBindAddress,
    maxHeaderSize: o.maxHeaderSize,
    healthCheckTimeoutMs: o.healthCheckTimeoutMs,
    healthProbeTimeoutMs: o.healthProbeTimeoutMs,
    healthProbeMaxConnections: o.healthProbeMaxConnections,
    healthProbeMaxConnectionsPerSource: o.healthProbeMaxConnectionsPerSource,
  };
}

/** Binds the probe listener; rejects with `KDIAG_SERVER_LISTEN` when it cannot. */
export async function startProbeListener(
  o: ProbeListenerSettings,
  checks: HealthCheckRunner,
  parentLog: Logger,
): Promise<ProbeListener> {
  const log = parentLog.withName('health-probes');
  const router = probeRouter(checks, log);
  // A probe takes at most its checks' deadline once its head is in.
  const requestTimeoutMs = o.healthCheckTimeoutMs + o.healthProbeTimeoutMs;
  const dispatcher = new RequestDispatcher(router, log, requestTimeoutMs);
  const server: Server = createServer(
    {
      maxHeaderSize: o.maxHeaderSize,
      headersTimeout: o.healthProbeTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: o.healthProbeTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, o.healthProbeTimeoutMs),
      noDelay: true,
      requireHostHeader: false,
    },
    (req, res) => dispatcher.dispatch(req, res),
  );
  server.maxConnections = o.healthProbeMaxConnections;
  guardConnections(server, router, log, dispatcher);
  // Nothing on this listener is ever authenticated: every connection keeps the short head deadline.
  const policy = new ConnectionPolicy(
    {
      maxConnectionsPerSource: o.healthProbeMaxConnectionsPerSource,
      unauthenticatedHeadersTimeoutMs: o.healthProbeTimeoutMs,
    },
    log,
    answerHeadTimeout,
  );
  policy.attach(server);
  await listen(server, o.healthProbeBindAddress, (err) => log.error(err, 'health probe listener error'));
  log.V(1).info('serving health probes', { address: server.address() });
  return {
    address: () => {
      const a = server.address();
      return a !== null && typeof a === 'object' ? a : null;
    },
    stop: (graceMs) => drainServer(server, dispatcher, policy, graceMs, log),
  };
}
