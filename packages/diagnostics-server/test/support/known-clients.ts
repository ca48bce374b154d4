/**
 * The clients that must keep being served during an attack: a kubelet-like prober (a new connection
 * per probe, `Connection: close`, as the kubelet's prober disables keep-alive) and a scraper on one
 * kept-alive TLS connection (as Prometheus keeps its connection to a target).
 */
import { connect as netConnect } from 'node:net';
import { RawConnection } from './raw-connection.ts';

export interface Outcome {
  /** The status, or what happened instead (`refused`, `closed`, `timeout`). */
  readonly result: number | string;
  readonly ms: number;
}

/** A bound so that a hung answer ends the probe; generous: the result, not the time, is asserted. */
const ANSWER_WITHIN_MS = 10_000;

/** One kubelet-style probe: GET on a new plain-HTTP connection, closed after the answer. */
export function probeOnce(base: string, path: string, localAddress = '127.0.0.1'): Promise<Outcome> {
  const u = new URL(base);
  const started = performance.now();
  return new Promise((resolve) => {
    let data = '';
    let settled = false;
    const settle = (result: number | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ result, ms: performance.now() - started });
    };
    const socket = netConnect({ host: u.hostname, port: Number(u.port), localAddress }, () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\nUser-Agent: kube-probe/1.35\r\n\r\n`,
      ),
    );
    const timer = setTimeout(() => settle('timeout'), ANSWER_WITHIN_MS);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(data);
      if (status !== null && data.includes('\r\n\r\n')) settle(Number(status[1]));
    });
    socket.once('error', (err: NodeJS.ErrnoException) => settle(err.code ?? 'error'));
    socket.once('close', () => settle(data === '' ? 'closed' : 'unparsed'));
  });
}

/** A scraper holding one kept-alive TLS connection, opened before the attack. */
export class KeptAliveScraper {
  readonly #connection: RawConnection;
  readonly #request: string;

  private constructor(connection: RawConnection, token: string) {
    this.#connection = connection;
    this.#request = `GET /metrics HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n\r\n`;
  }

  static async open(url: string, token: string, localAddress: string): Promise<KeptAliveScraper> {
    return new KeptAliveScraper(await RawConnection.openUrl(url, { localAddress }), token);
  }

  async scrape(): Promise<Outcome> {
    const started = performance.now();
    if (this.#connection.ended) return { result: 'closed', ms: 0 };
    await this.#connection.write(this.#request);
    const answer = await this.#connection.answer(ANSWER_WITHIN_MS);
    return {
      result: answer?.status ?? (this.#connection.ended ? 'closed' : 'timeout'),
      ms: performance.now() - started,
    };
  }

  close(): void {
    this.#connection.close();
  }
}
