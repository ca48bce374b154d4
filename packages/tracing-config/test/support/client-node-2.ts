// @kubernetes/client-node 2.x's KubeConfig and Watch, as far as requests and their headers go
// (read from 2.0.1's dist/config.js and dist/watch.js). 2.x does not load on Node 20 (undici 8),
// so this stand-in has its shape and request paths, and 1.4.0's KubeConfig does the
// authentication underneath; the consumer suite runs the real 2.x on Node 24.
// - There is no applyToFetchOptions.
// - makeApiClient hands the KubeConfig itself (`this`) to the API client as its default auth method.
// - A Watch builds a RequestContext, has the KubeConfig's applySecurityAuthentication fill in its
//   headers, and sends them with fetch.
// - The protobuf client and WebSockets call applyToHTTPSOptions(opts) and send opts.headers.
// Like 2.x's, its fields are plain properties (no #private), which a Proxy forwards.
import type { RequestOptions } from 'node:https';
import {
  createConfiguration,
  HttpMethod,
  RequestContext,
  ServerConfiguration,
  type Cluster,
  type Configuration,
  type KubeConfig,
} from '@kubernetes/client-node';

export class KubeConfig2 {
  private readonly kc: KubeConfig;

  constructor(kc: KubeConfig) {
    this.kc = kc;
  }

  getName(): string {
    return 'kubeconfig';
  }

  getCurrentCluster(): Cluster | null {
    return this.kc.getCurrentCluster();
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    await this.kc.applyToHTTPSOptions(opts);
  }

  makeApiClient<T>(apiClientType: new (config: Configuration) => T): T {
    const cluster = this.getCurrentCluster();
    if (cluster === null) throw new Error('No active cluster!');
    return new apiClientType(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: this },
      }),
    );
  }
}

/** The request of 2.x's `new Watch(config).watch(path, ...)`, up to the response headers. */
export async function watchRequest2(
  config: Pick<KubeConfig2, 'getCurrentCluster' | 'applySecurityAuthentication'>,
  path: string,
): Promise<void> {
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error('No currently active cluster');
  const url = new URL(cluster.server + path);
  url.searchParams.set('watch', 'true');
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await config.applySecurityAuthentication(ctx);
  const response = await fetch(url, { headers: ctx.getHeaders() });
  await response.body?.cancel();
}
