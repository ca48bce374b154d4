import { Agent, createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ClosableFilter, Filter, FilterProvider } from '../../src/index.ts';
import { servingPair } from './certificates.ts';

/** A stand-in for the apiserver's review API: HTTPS, answering `{}` and keeping connections alive. */
export interface FakeReviewServer {
  readonly url: string;
  readonly caPem: string;
  close(): Promise<void>;
}

export async function startFakeReviewServer(): Promise<FakeReviewServer> {
  const pair = await servingPair();
  const server: Server = createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/`,
    caPem: pair.caPem,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What the provider built, for the test to look at and, for a bare filter, to free itself. */
export interface HeldResources {
  /** How many times the server called `close()`. */
  readonly closes: number;
  /** Frees the timer and the agent (what `close()` does), for a test's own cleanup. */
  readonly release: () => void;
}

/**
 * A provider whose filter holds what the authn-authz filter holds: an unref'd timer (its client-CA
 * reload) and an HTTPS agent with a pooled keep-alive connection (its review client), opened by one
 * review request at start. `closable: false` hands back the bare filter, as a provider without a
 * `close` would, so a test can show the leak the lifecycle exists to prevent.
 */
export function resourceHoldingFilter(
  review: FakeReviewServer,
  { closable }: { closable: boolean },
): { provider: FilterProvider; held: HeldResources } {
  let timer: NodeJS.Timeout | undefined;
  let agent: Agent | undefined;
  let closes = 0;
  const release = (): void => {
    clearInterval(timer);
    agent?.destroy();
  };
  const filter: Filter = (_log, handler) => handler;
  const provider: FilterProvider = async () => {
    timer = setInterval(() => undefined, 60_000);
    timer.unref();
    agent = new Agent({ keepAlive: true, ca: review.caPem });
    await reviewRequest(review.url, agent);
    const closableFilter: ClosableFilter = {
      filter,
      close: async () => {
        closes++;
        release();
      },
    };
    return closable ? closableFilter : filter;
  };
  return {
    provider,
    held: {
      get closes() {
        return closes;
      },
      release,
    },
  };
}

/** One request whose connection goes back to the agent's pool. */
function reviewRequest(url: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.once('end', () => resolve());
    }).once('error', reject);
  });
}
