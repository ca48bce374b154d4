import { Agent, request } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** One request of the load, as its client saw it. */
export interface LoadRequest {
  readonly client: number;
  readonly kind: 'keep-alive' | 'new-connection';
  /** performance.now() when the request was sent. */
  readonly startedAt: number;
  /** HTTP status, or the transport error's code (a timeout is `timeout`). */
  readonly outcome: number | string;
  /** SHA-256 fingerprint of the certificate the connection was opened with ('' when none). */
  readonly fingerprint: string;
  /** Which connection carried it (numbered in the order the load first saw them). */
  readonly socket: number;
}

export interface HttpsLoadOptions {
  readonly url: string;
  /** Every CA the server's certificates may chain to: clients verify, as real scrapers do. */
  readonly caPem: string;
  readonly token: string;
  readonly path?: string;
  /** Clients that keep one connection open and send request after request over it. */
  readonly keepAliveClients: number;
  /** Clients that open a new connection (a full TLS handshake) for every request. */
  readonly newConnectionClients: number;
}

/**
 * Steady concurrent HTTPS load: every client sends its next request as soon as the previous one
 * finished, until stop(). Each request records its status, the certificate its connection was opened
 * with, and which connection it used.
 */
export class HttpsLoad {
  readonly requests: LoadRequest[] = [];
  readonly #o: HttpsLoadOptions;
  readonly #sockets = new WeakMap<Socket, number>();
  #nextSocket = 0;
  #running = false;
  #loops: Promise<void>[] = [];
  #agents: Agent[] = [];

  constructor(options: HttpsLoadOptions) {
    this.#o = options;
  }

  start(): void {
    this.#running = true;
    const tls = { ca: this.#o.caPem, servername: 'localhost' };
    for (let i = 0; i < this.#o.keepAliveClients; i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1, ...tls });
      this.#agents.push(agent);
      this.#loops.push(this.#loop(i, 'keep-alive', agent));
    }
    for (let i = 0; i < this.#o.newConnectionClients; i++) {
      // No TLS session cache: every request is a full handshake that shows the current certificate
      // (a resumed session skips it), as with Prometheus, whose Go client keeps no session cache.
      const agent = new Agent({ keepAlive: false, maxCachedSessions: 0, ...tls });
      this.#agents.push(agent);
      this.#loops.push(this.#loop(this.#o.keepAliveClients + i, 'new-connection', agent));
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    for (const a of this.#agents) a.destroy();
  }

  async #loop(client: number, kind: LoadRequest['kind'], agent: Agent): Promise<void> {
    while (this.#running) this.requests.push(await this.#once(client, kind, agent));
  }

  #socketId(s: Socket): number {
    let id = this.#sockets.get(s);
    if (id === undefined) {
      id = this.#nextSocket++;
      this.#sockets.set(s, id);
    }
    return id;
  }

  #once(client: number, kind: LoadRequest['kind'], agent: Agent): Promise<LoadRequest> {
    const startedAt = performance.now();
    return new Promise((resolve) => {
      let fingerprint = '';
      let socket = -1;
      const finish = (outcome: number | string): void =>
        resolve({ client, kind, startedAt, outcome, fingerprint, socket });
      const req = request(
        new URL(this.#o.path ?? '/metrics', this.#o.url),
        {
          agent,
          headers: {
            authorization: `Bearer ${this.#o.token}`,
            ...(kind === 'new-connection' ? { connection: 'close' } : {}),
          },
          signal: AbortSignal.timeout(10_000),
        },
        (res) => {
          const tlsSocket = res.socket as TLSSocket;
          fingerprint = tlsSocket.getPeerCertificate().fingerprint256 ?? '';
          socket = this.#socketId(tlsSocket);
          res.resume();
          res.on('end', () => finish(res.statusCode ?? 0));
          res.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        finish(
          err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : (err.code ?? err.message),
        ),
      );
      req.end();
    });
  }
}
