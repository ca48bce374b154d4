import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { StaticAuthOptions, StaticRule } from '@kubediag/diagnostics';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** `cluster` when a Kubernetes configuration is at hand (flag, KUBECONFIG, in-cluster), else `embedded`. */
export function chooseMode(
  kubeconfigFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): 'cluster' | 'embedded' {
  if (
    kubeconfigFlag ||
    env.KUBECONFIG ||
    (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN))
  ) {
    return 'cluster';
  }
  return 'embedded';
}

/** The identities of the embedded mode, mirroring the ClusterRoles of the demo's manifests. */
export interface EmbeddedIdentities {
  readonly readerToken: string;
  readonly operatorToken: string;
  readonly staticAuth: StaticAuthOptions;
}

const RULES: readonly StaticRule[] = [
  { groups: ['diagnostics-readers'], nonResourceURLs: ['/metrics'], verbs: ['get'] },
  { groups: ['diagnostics-readers'], nonResourceURLs: ['/debug/pprof/*'], verbs: ['get'] },
  { groups: ['log-level-writers'], nonResourceURLs: ['/debug/flags/v'], verbs: ['put'] },
  { groups: ['diagnostics-readers'], nonResourceURLs: ['/statusz', '/flagz'], verbs: ['get'] },
];

/** Fresh random tokens for each run: a reader (metrics, pprof) and an on-call operator (also the log level). */
export function embeddedIdentities(): EmbeddedIdentities {
  const readerToken = randomBytes(24).toString('base64url');
  const operatorToken = randomBytes(24).toString('base64url');
  return {
    readerToken,
    operatorToken,
    staticAuth: {
      tokens: [
        `${readerToken},demo-reader,uid-reader,"diagnostics-readers"`,
        `${operatorToken},demo-oncall,uid-oncall,"diagnostics-readers,log-level-writers"`,
      ].join('\n'),
      rules: RULES,
    },
  };
}

/** The Cluster API recipes, ready to paste, against this process. */
export function curlRecipes(
  url: string,
  probeUrl: string | undefined,
  readerToken: string,
  operatorToken: string,
): string {
  return [
    '',
    'Try it (the tokens are valid for this run only):',
    `  READER=${readerToken}`,
    `  ONCALL=${operatorToken}`,
    `  curl -sk ${url}/metrics --header "Authorization: Bearer $READER" | grep controller_runtime_reconcile_total`,
    `  curl -sk ${url}/debug/flags/v --header "Authorization: Bearer $ONCALL" -X PUT -d '5'`,
    `  curl -sk "${url}/debug/pprof/profile?seconds=5" --header "Authorization: Bearer $READER" > profile.out && go tool pprof -top profile.out`,
    `  curl -sk "${url}/debug/pprof/goroutine?debug=2" --header "Authorization: Bearer $READER"`,
    probeUrl === undefined
      ? `  curl -sk ${url}/readyz?verbose`
      : `  curl -s ${probeUrl}/readyz?verbose   # the kubelet's probes: plain HTTP, their own listener`,
    `  curl -sk ${url}/metrics   # no token: 401 Unauthorized`,
    '',
  ].join('\n');
}
