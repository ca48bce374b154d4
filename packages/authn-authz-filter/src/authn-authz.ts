import type { Decision } from './decision.ts';
import { fileClientCa, staticClientCa } from './internal/client-ca.ts';
import type { ClientCaSource } from './internal/client-ca.ts';
import { systemClock } from './internal/clock.ts';
import { DecisionCore } from './internal/decision-core.ts';
import { discardLogger } from './internal/discard-logger.ts';
import { loadKubeConfig } from './kube-config.ts';
import { createKubeReviewClient } from './kube-review-client.ts';
import type { Logger } from './logger.ts';
import type { MetricsRegistry } from './metrics.ts';
import { createFilterMetrics } from './metrics.ts';
import type { AuthnAuthzOptions, ResolvedAuthnAuthzOptions } from './options.ts';
import { applyAuthnAuthzOptions } from './options.ts';
import type { RequestAttributes } from './request-attributes.ts';

/** The framework-independent decision core behind the filter and the middleware. */
export interface AuthnAuthz {
  /**
   * Decides one request. Returns synchronously when everything needed is cached (the hot path),
   * otherwise a promise. Never throws or rejects: failures become 401/500 decisions (fail closed).
   */
  decide(attrs: RequestAttributes, log?: Logger): Decision | Promise<Decision>;
  /** True when an audit record would be emitted (check before paying for a response listener). */
  auditEnabled(log?: Logger): boolean;
  /** Emits the audit record of a finished request; `code` is the status actually sent. */
  audit(attrs: RequestAttributes, decision: Decision, code: number, log?: Logger): void;
  /** The options in effect, defaults filled in. */
  readonly options: ResolvedAuthnAuthzOptions;
  /**
   * Releases what the core holds: aborts the reviews in flight and their retries, stops the client CA
   * reload timer, drops the caches and closes the pooled apiserver connections; resolves once those
   * are closed. Idempotent. Every request decided afterwards fails closed with 500.
   */
  close(): Promise<void>;
}

/** What the core gets from its host; the same fields as the server's FilterContext. */
export interface AuthnAuthzContext {
  /** @default a logger that writes nothing */
  readonly logger?: Logger | undefined;
  /** prom-client Registry for the filter's metrics; undefined records none. */
  readonly registry?: MetricsRegistry | undefined;
  /** A @kubernetes/client-node KubeConfig for the reviews (the `kubeConfig` option wins). */
  readonly kubeConfig?: unknown;
}

/**
 * Builds the decision core: validates options (throws `KDIAG_AUTHN_AUTHZ_INVALID_OPTIONS`), finds the
 * Kubernetes configuration (throws `KDIAG_AUTHN_AUTHZ_NO_KUBECONFIG` rather than guessing), registers
 * metrics, loads the client CA. Use it directly for framework adapters (see `authnAuthzMiddleware`);
 * whoever creates it calls `close()` when done.
 */
export async function createAuthnAuthz(
  options?: AuthnAuthzOptions,
  context: AuthnAuthzContext = {},
): Promise<AuthnAuthz> {
  const resolved = applyAuthnAuthzOptions(options);
  const logger = (context.logger ?? discardLogger).withName('authn-authz');
  let reviewClient = resolved.reviewClient;
  let closeClient: (() => Promise<void>) | undefined;
  if (reviewClient === undefined) {
    const kubeConfig = await loadKubeConfig({ kubeConfig: resolved.kubeConfig ?? context.kubeConfig });
    const client = createKubeReviewClient(kubeConfig);
    reviewClient = client;
    closeClient = () => client.close();
    logger.V(1).info('Reviews go to the apiserver', { server: kubeConfig.getCurrentCluster()?.server });
  }
  const metrics = await createFilterMetrics(context.registry);
  // Last, as the one step that opens something (the reload timer): a step that fails before it leaves
  // nothing open. The review client connects on its first review only.
  const clientCa = openClientCa(resolved, logger);
  return new DecisionCore(resolved, {
    reviewClient,
    logger,
    metrics,
    clock: systemClock,
    random: Math.random,
    clientCa,
    ...(closeClient === undefined ? {} : { onClose: closeClient }),
  });
}

function openClientCa(options: ResolvedAuthnAuthzOptions, logger: Logger): ClientCaSource | undefined {
  if (options.clientCAFile !== undefined)
    return fileClientCa(options.clientCAFile, options.clientCAReloadIntervalMs, logger);
  if (options.clientCA !== undefined) return staticClientCa(options.clientCA);
  return undefined;
}
