// The demo operator: keeps a checksum annotation on labelled ConfigMaps, instrumented with kubediag.
// With no cluster configured it runs on an embedded in-memory source with static tokens, so
// `npm run demo` works anywhere; with a kubeconfig (or in a pod) it watches the real cluster and
// guards its diagnostics port with TokenReview + SubjectAccessReview.
import { parseArgs } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  diagnosticsOptionsFromFlags,
  formatDiagnosticsUsage,
  parseDiagnosticsFlags,
  withDiagnostics,
} from '@kubediag/diagnostics';
import { createChecksumReconciler } from './reconciler.ts';
import { createClusterSource } from './cluster-source.ts';
import type { ConfigMapSource } from './config-map-source.ts';
import { createEmbeddedSource } from './embedded-source.ts';
import { chooseMode, curlRecipes, embeddedIdentities } from './modes.ts';

const CONTROLLER = 'configmap-checksum';
/** The informer's name in the kubediag_informer_* series, and its readiness check's. */
const INFORMER = 'configmaps';
const INFORMER_READYZ_CHECK = 'configmaps-watch';

async function main(): Promise<void> {
  const { values: flags, rest } = parseDiagnosticsFlags();
  const { values: own } = parseArgs({
    args: [...rest],
    options: {
      kubeconfig: { type: 'string' },
      'edit-every': { type: 'string', default: '5000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (own.help) {
    process.stdout.write(
      `Usage: demo-operator [flags]\n\n      --kubeconfig string\n            Path to a kubeconfig; without one (and outside a pod) the demo runs on an embedded source.\n${formatDiagnosticsUsage()}`,
    );
    return;
  }

  const mode = chooseMode(own.kubeconfig, process.env);
  const identities = mode === 'embedded' ? embeddedIdentities() : undefined;
  // On a workstation the embedded demo listens on loopback only, unless told otherwise.
  const given = (flag: string, env: string): boolean =>
    process.argv.some((a) => a.includes(flag)) || process.env[env] !== undefined;
  const loopback = {
    ...(given('diagnostics-address', 'KUBEDIAG_DIAGNOSTICS_ADDRESS')
      ? {}
      : { diagnosticsAddress: '127.0.0.1:8443' }),
    ...(given('health-probe-bind-address', 'KUBEDIAG_HEALTH_PROBE_BIND_ADDRESS')
      ? {}
      : { healthProbeBindAddress: '127.0.0.1:8081' }),
  };
  const options = diagnosticsOptionsFromFlags(mode === 'embedded' ? { ...flags, ...loopback } : flags, {
    name: 'demo-operator',
  });

  let kubeConfig: KubeConfig | undefined;
  if (mode === 'cluster') {
    const k8s = await import('@kubernetes/client-node');
    const { traceKubeConfig } = await import('@kubediag/tracing-config');
    const kc = new k8s.KubeConfig();
    if (own.kubeconfig) kc.loadFromFile(own.kubeconfig);
    else if (process.env.KUBECONFIG) kc.loadFromDefault();
    else kc.loadFromCluster();
    // Requests made inside a reconcile span carry `traceparent`, so the apiserver's spans join the trace.
    kubeConfig = traceKubeConfig(kc);
  }

  const diag = await withDiagnostics({
    ...options,
    ...(identities && options.server?.secureServing !== false ? { staticAuth: identities.staticAuth } : {}),
    ...(kubeConfig ? { kubeConfig } : {}),
  });
  const log = diag.logger.withName('demo');

  // In a cluster the informer's watch is observed (kubediag_informer_* metrics), and /readyz fails
  // while it is down or silent beyond --watch-disconnected-threshold / --watch-silence-threshold.
  const source: ConfigMapSource = kubeConfig
    ? await createClusterSource(kubeConfig, (informer) =>
        diag.observeInformer(INFORMER, informer, { readyzCheck: INFORMER_READYZ_CHECK }),
      )
    : createEmbeddedSource({ editEveryMs: Number(own['edit-every']) });
  const controller = diag.createController({ name: CONTROLLER, reconcile: createChecksumReconciler(source) });
  diag.addReadyzCheck('informer-sync', async () => {
    if (!source.synced) throw new Error('ConfigMap informer has not synced yet');
  });

  await diag.start();
  log.info('Demo operator started', {
    mode,
    diagnostics: diag.server.url ?? 'disabled',
    config: diag.config.mode,
  });
  const workers = controller.start();
  await source.start((namespace, name) => controller.enqueue({ namespace, name }));

  if (identities && diag.server.url && diag.config.mode === 'secure') {
    process.stdout.write(
      curlRecipes(
        diag.server.url,
        diag.server.healthProbeUrl,
        identities.readerToken,
        identities.operatorToken,
      ),
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('Shutting down', { signal });
    await source.stop();
    await controller.stop();
    await workers;
    await diag.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-operator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
