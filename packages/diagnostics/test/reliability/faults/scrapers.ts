import { Agent, request } from 'node:https';

/** One scrape as a scraper saw it. */
export interface Scrape {
  readonly scraper: number;
  /** What the test was doing when the scrape started (e.g. `warm`, `outage`, `recovered`). */
  readonly phase: string;
  /** HTTP status, or the transport error's code/message (a timeout is `timeout`). */
  readonly outcome: number | string;
  readonly ms: number;
}

export interface ScraperFleetOptions {
  /** `https://host:port` of the diagnostics port. */
  readonly url: string;
  /** CA of its serving certificate (scrapers verify it, as Prometheus with `ca_file` does). */
  readonly caPem: string;
  /** One bearer token per scraper. */
  readonly tokens: readonly string[];
  readonly path?: string;
  /** Scrape interval (Prometheus `scrape_interval`). @default 1000 */
  readonly intervalMs?: number;
  /** Per-scrape timeout (Prometheus `scrape_timeout`, whose default is 10 s). @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * Scrapers that behave like Prometheus: one kept-alive connection each, a scrape every interval on a
 * fixed schedule (no overlap: a late scrape delays the next one), a timeout per scrape. Every scrape
 * is recorded with the phase the test was in when it started.
 */
export class ScraperFleet {
  readonly scrapes: Scrape[] = [];
  phase = 'warm';
  readonly #o: Required<ScraperFleetOptions>;
  readonly #agents: Agent[];
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #wake = new Set<() => void>();

  constructor(options: ScraperFleetOptions) {
    this.#o = { path: '/metrics', intervalMs: 1000, timeoutMs: 10_000, ...options };
    this.#agents = options.tokens.map(
      () => new Agent({ keepAlive: true, maxSockets: 1, ca: options.caPem, servername: 'localhost' }),
    );
  }

  start(): void {
    this.#running = true;
    this.#loops = this.#o.tokens.map((token, i) => this.#loop(i, token));
  }

  /** Stops after the scrapes in flight and closes the connections. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const w of [...this.#wake]) w();
    await Promise.all(this.#loops);
    for (const a of this.#agents) a.destroy();
  }

  async #loop(i: number, token: string): Promise<void> {
    // Spread the scrapers over the interval, as Prometheus spreads its targets.
    let next = performance.now() + (i * this.#o.intervalMs) / this.#o.tokens.length;
    for (;;) {
      await this.#sleepUntil(next);
      if (!this.#running) return;
      next += this.#o.intervalMs;
      const phase = this.phase;
      const t0 = performance.now();
      const outcome = await this.#scrape(i, token);
      this.scrapes.push({ scraper: i, phase, outcome, ms: performance.now() - t0 });
      next = Math.max(next, performance.now());
    }
  }

  #sleepUntil(t: number): Promise<void> {
    const ms = t - performance.now();
    if (ms <= 0 || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake.add(done);
    });
  }

  #scrape(i: number, token: string): Promise<number | string> {
    const u = new URL(this.#o.path, this.#o.url);
    return new Promise((resolve) => {
      const req = request(
        u,
        {
          agent: this.#agents[i],
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        resolve(
          err.name === 'AbortError' || err.name === 'TimeoutError' ? 'timeout' : (err.code ?? err.message),
        ),
      );
      req.end();
    });
  }
}

/** Count, successes and latency percentiles of a set of scrapes. */
export function summarize(scrapes: readonly Scrape[]): {
  scrapes: number;
  ok: number;
  failed: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
} {
  const failed: Record<string, number> = {};
  for (const s of scrapes)
    if (s.outcome !== 200) failed[String(s.outcome)] = (failed[String(s.outcome)] ?? 0) + 1;
  const ms = scrapes.map((s) => s.ms).sort((a, b) => a - b);
  const pct = (p: number): number =>
    Math.round((ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0) * 10) / 10;
  return {
    scrapes: scrapes.length,
    ok: scrapes.filter((s) => s.outcome === 200).length,
    failed,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: Math.round((ms[ms.length - 1] ?? 0) * 10) / 10,
  };
}

/** One request on a fresh connection: status and body, or the transport error's code. */
export function fetchOnce(
  url: string,
  caPem: string,
  path: string,
  token: string,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      new URL(path, url),
      {
        agent: false,
        ca: caPem,
        servername: 'localhost',
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(30_000),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}
