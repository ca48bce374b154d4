import type { Logger } from './logger.ts';
import { fileClientCa, staticClientCa } from './internal/client-ca.ts';
import { systemClock } from './internal/clock.ts';
import type { AuthnAuthz } from './authn-authz-core.ts';
import { createCore } from './internal/core.ts';
import { discardLogger } from './internal/discard-logger.ts';
import { loadKubeConfig } from './kube-config.ts';
import { createKubeReviewClient } from './kube-review-client.ts';
import type { MetricsRegistry } from './metrics.ts';
import { createFilterMetrics } from './metrics.ts';
import type { AuthnAuthzOptions } from './options.ts';
import { checkAuthnAuthzOptions } from './options.ts';

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
 * Kubernetes configuration (throws `KDIAG_AUTHN_AUTHZ_NO_KUBECONFIG` rather than guessing), loads the
 * client CA, registers metrics. Use it directly for framework adapters (see `authnAuthzMiddleware`).
 */
export async function createAuthnAuthz(
  options?: AuthnAuthzOptions,
  context: AuthnAuthzContext = {},
): Promise<AuthnAuthz> {
  const resolved = checkAuthnAuthzOptions(options);
  const logger = (context.logger ?? discardLogger).withName('authn-authz');
  let reviewClient = resolved.reviewClient;
  let closeClient: (() => void) | undefined;
  if (reviewClient === undefined) {
    const kubeConfig = await loadKubeConfig({ kubeConfig: resolved.kubeConfig ?? context.kubeConfig });
    const client = createKubeReviewClient(kubeConfig);
    reviewClient = client;
    closeClient = () => client.close();
    logger.V(1).info('Reviews go to the apiserver', { server: kubeConfig.getCurrentCluster()?.server });
  }
  const clientCa =
    resolved.clientCAFile !== undefined
      ? fileClientCa(resolved.clientCAFile, resolved.clientCAReloadIntervalMs, logger)
      : resolved.clientCA !== undefined
        ? staticClientCa(resolved.clientCA)
        : undefined;
  const metrics = await createFilterMetrics(context.registry);
  return createCore(resolved, {
    reviewClient,
    logger,
    metrics,
    clock: systemClock,
    random: Math.random,
    clientCa,
    ...(closeClient === undefined ? {} : { onClose: closeClient }),
  });
}
