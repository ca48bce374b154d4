/**
 * The HTTPS clients of the hostile-identities test: a flood (many requests, a bounded number in
 * flight, optionally in sequences), scrapers that behave like Prometheus (a kept-alive connection, one scrape per interval),
 * and a reconciler (the operator's own calls to the apiserver, one per interval). Certificates are
 * not verified: the servers under test present self-signed ones, as Prometheus scrapes them with
 * `insecure_skip_verify` in the Cluster API docs.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';

/** HTTP status, or the transport error's code (a timeout is `timeout`). */
export type Outcome = number | string;

export interface Request {
  readonly path: string;
  readonly token: string;
}

function send(url: string, r: Request, agent: Agent, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${r.path}`,
      { agent, headers: { authorization: `Bearer ${r.token}` }, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      },
    );
    req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

/**
 * Loopback source addresses of the flood: several clients, as attackers in several pods are, so that
 * the server's per-source connection limit (32 by default) is not what the flood measures.
 */
export const FLOOD_SOURCES: readonly string[] = ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4'];

/**
 * Sends every sequence with at most `concurrency` sequences in flight (spread over `sources`), the
 * requests of one sequence one after the other; the outcomes in order, and the wall time.
 */
export async function flood(
  url: string,
  sequences: readonly (readonly Request[])[],
  concurrency: number,
  sources: readonly string[] = FLOOD_SOURCES,
): Promise<{ outcomes: Outcome[]; wallMs: number }> {
  const agents = sources.map(
    (localAddress) =>
      new Agent({
        keepAlive: true,
        maxSockets: Math.ceil(concurrency / sources.length),
        rejectUnauthorized: false,
        localAddress,
      }),
  );
  const outcomes: Outcome[][] = new Array<Outcome[]>(sequences.length);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const agent = agents[worker % agents.length]!;
      for (let i = next++; i < sequences.length; i = next++) {
        const out: Outcome[] = [];
        for (const r of sequences[i]!) out.push(await send(url, r, agent, 30_000));
        outcomes[i] = out;
      }
    }),
  );
  const wallMs = performance.now() - t0;
  for (const a of agents) a.destroy();
  return { outcomes: outcomes.flat(), wallMs };
}

/** Calls `once` every `intervalMs` (no overlap) until stopped; records every outcome. */
class Loop {
  readonly outcomes: Outcome[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(intervalMs: number, once: () => Promise<Outcome>) {
    this.#done = (async () => {
      while (this.#running) {
        const started = performance.now();
        this.outcomes.push(await once());
        const rest = intervalMs - (performance.now() - started);
        if (rest > 0 && this.#running) await new Promise((r) => setTimeout(r, rest));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

/** A Prometheus-like scraper of one server: one kept-alive connection, a scrape per interval. */
export class Scraper extends Loop {
  readonly #agent: Agent;

  /** `localAddress`: the scraper's own loopback address (a pod of its own). */
  constructor(url: string, token: string, intervalMs: number, localAddress: string) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, localAddress });
    super(intervalMs, () => send(url, { path: '/metrics', token }, agent, 10_000));
    this.#agent = agent;
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.#agent.destroy();
  }
}

/**
 * The operator's own work against the apiserver, as its identity: a list of ConfigMaps in its
 * namespace per interval, the call a reconcile starts with. It shares the apiserver's
 * priority-and-fairness flow with the reviews the operator makes for its diagnostics port.
 */
export class Reconciler extends Loop {
  readonly #agent: Agent;

  constructor(
    apiserver: { readonly url: string; readonly caPem: string },
    ns: string,
    token: string,
    intervalMs: number,
  ) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: apiserver.caPem });
    super(intervalMs, () =>
      send(apiserver.url, { path: `/api/v1/namespaces/${ns}/configmaps`, token }, agent, 10_000),
    );
    this.#agent = agent;
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.#agent.destroy();
  }
}

/** Random JWT-shaped tokens of about 550 bytes: well formed (b64token), so only a TokenReview refuses them. */
export function junkTokens(n: number): string[] {
  return Array.from(
    { length: n },
    () =>
      `eyJhbGciOiJSUzI1NiJ9.${randomBytes(135).toString('base64url')}.${randomBytes(256).toString('base64url')}`,
  );
}

/** The body of `GET path` as the bearer of `token` (a scrape read whole, to look at the figures). */
export function fetchText(url: string, path: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.once('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode}`)),
        );
      },
    );
    req.once('error', reject);
    req.end();
  });
}
