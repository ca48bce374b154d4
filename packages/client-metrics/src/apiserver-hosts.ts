// Which requests are the operator's apiserver traffic, and the `host` label each one gets. client-go
// labels a request with the Host of its rest.Config, as Go's url.Parse reads it from the server URL:
// host and port exactly as written (`10.96.0.1:443` keeps its `:443`). Requests are recognised by
// their origin (scheme, host, effective port), so `https://h` and `https://h:443` are one apiserver.

/** One apiserver whose requests are counted. */
export interface ApiserverHost {
  /** How requests to it are recognised: `https://host[:port]`, lowercase, default port left out. */
  readonly origin: string;
  /** The `host` label: the server URL's host and port as written, as client-go reports it. */
  readonly label: string;
}

/** The origin of an http(s) URL as requests are matched against it; undefined for anything else. */
export function requestOrigin(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  return `${parsed.protocol}//${parsed.host}`;
}

/** Go's `url.URL.Host` of a server URL: the authority without user info, as written. */
export function goUrlHost(server: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(server)?.[1];
  if (authority === undefined) return undefined;
  return authority.slice(authority.lastIndexOf('@') + 1);
}

/** The apiserver of a server URL, or undefined when it is not an http(s) URL. */
export function apiserverHost(server: string): ApiserverHost | undefined {
  const origin = requestOrigin(server);
  const label = goUrlHost(server);
  return origin === undefined || label === undefined ? undefined : { origin, label };
}

/** The part of a client-node KubeConfig read here (structural: 1.x and 2.x both fit). */
export interface KubeConfigLike {
  getCurrentCluster(): { readonly server: string } | null;
}

/**
 * The server of the in-cluster configuration, as client-go's InClusterConfig and client-node's
 * loadFromCluster build it from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT.
 */
export function inClusterServer(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '';
  if (host === '' || port === '') return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The apiservers to count: the current cluster of `kubeConfig` and every URL of `servers`; when
 * neither names one, the in-cluster apiserver of `env` (where an operator in a pod talks).
 */
export function apiserverHosts(
  kubeConfig: KubeConfigLike | undefined,
  servers: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ApiserverHost[] {
  const urls = [...servers];
  const current = kubeConfig?.getCurrentCluster()?.server;
  if (typeof current === 'string') urls.unshift(current);
  if (urls.length === 0) {
    const inCluster = inClusterServer(env);
    if (inCluster !== undefined) urls.push(inCluster);
  }
  const byOrigin = new Map<string, ApiserverHost>();
  for (const url of urls) {
    const host = apiserverHost(url);
    // The first URL of an origin names it: the KubeConfig's, then the order given.
    if (host !== undefined && !byOrigin.has(host.origin)) byOrigin.set(host.origin, host);
  }
  return [...byOrigin.values()];
}
