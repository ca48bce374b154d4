import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from './types.ts';
import { sniffPlainHttp } from './plain-http-sniff.ts';

// Who may hold a connection, and for how long, before the filter has allowed anything on it. Go's
// server has no connection cap and cuts nothing before ReadHeaderTimeout (32 s); a Node server has a
// cap (idle TLS sockets cost tens of KiB each), and a cap that anyone can fill with idle connections
// locks everyone out. So the slots are shared per source address, and a connection that has not been
// authenticated is held only briefly: for its TLS handshake, then for each request head.

export interface ConnectionPolicyOptions {
  /** Connections one source address may hold at once. */
  readonly maxConnectionsPerSource: number;
  /** From the accept to a completed TLS handshake; undefined on a plain-HTTP listener. */
  readonly tlsHandshakeTimeoutMs?: number;
  /** Until the connection is authenticated, the time it has to send each complete request head. */
  readonly unauthenticatedHeadersTimeoutMs: number;
}

/** How a connection's head deadline ended: nothing of a request had arrived, or part of one had. */
export type HeadTimeout = 'idle' | 'partial';

interface ConnectionState {
  /** The accepted socket. */
  readonly socket: Socket;
  /** The deadline running now: the handshake's, or the next request head's. */
  timer: NodeJS.Timeout | undefined;
  /** `socket.bytesRead` when the head deadline started: more means part of a head arrived. */
  bytesAtArm: number;
  /** A request on it reached a filtered route: no more pre-authentication deadlines. */
  authenticated: boolean;
}

const REQUEST_EVENTS = ['request', 'checkContinue', 'checkExpectation'] as const;

/**
 * The connection policy of one listener. `attach` puts it in front of the server's own connection
 * handling; the server tells it when a request on a connection was allowed (`authenticated`).
 */
export class ConnectionPolicy {
  readonly #o: ConnectionPolicyOptions;
  readonly #log: Logger;
  readonly #onHeadTimeout: (socket: Socket, how: HeadTimeout) => void;
  /** Connections held per source address; a source with none has no entry. */
  readonly #perSource = new Map<string, number>();
  /**
   * Connections whose TLS handshake is under way, by remote address and port: the TLS socket the
   * server makes of an accepted socket is not handed out before the handshake completes.
   */
  readonly #handshaking = new Map<string, ConnectionState>();
  /** The socket HTTP is served on (the TLS socket on a TLS listener), mapped to its state. */
  readonly #states = new WeakMap<Socket, ConnectionState>();

  /** @param onHeadTimeout answers (or not) and closes a connection whose head deadline passed. */
  constructor(
    o: ConnectionPolicyOptions,
    log: Logger,
    onHeadTimeout: (socket: Socket, how: HeadTimeout) => void,
  ) {
    this.#o = o;
    this.#log = log;
    this.#onHeadTimeout = onHeadTimeout;
  }

  /**
   * Applies the policy to every connection `server` accepts from now on (call before it listens):
   * the server's own connection listeners run only for connections the policy admits, and, on a TLS
   * listener, only once the first bytes are not plain HTTP.
   */
  attach(server: Server): void {
    const serve = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    const tls = this.#o.tlsHandshakeTimeoutMs !== undefined;
    server.on('connection', (socket: Socket) =>
      this.#admit(socket, tls, () => {
        for (const listener of serve) listener.call(server, socket);
      }),
    );
    if (tls) server.on('secureConnection', (socket: TLSSocket) => this.#secured(socket));
    for (const event of REQUEST_EVENTS) {
      server.on(event, (req: IncomingMessage, res: ServerResponse) => this.#requestStarted(req.socket, res));
    }
  }

  /** A request on `socket` was allowed: the connection is no longer held to pre-authentication deadlines. */
  authenticated(socket: Socket): void {
    const state = this.#states.get(socket);
    if (state === undefined || state.authenticated) return;
    state.authenticated = true;
    clearTimeout(state.timer);
    state.timer = undefined;
  }

  /**
   * Closes the connections still in their TLS handshake (or before it): the HTTP server does not know
   * them yet, so its closeIdleConnections() and closeAllConnections() would leave them to their deadline.
   */
  closeHandshaking(): void {
    for (const state of this.#handshaking.values()) state.socket.destroy();
  }

  #admit(socket: Socket, tls: boolean, serve: () => void): void {
    const source = sourceOf(socket);
    if (source === undefined) {
      socket.destroy();
      return;
    }
    const held = this.#perSource.get(source) ?? 0;
    if (held >= this.#o.maxConnectionsPerSource) {
      this.#log.V(4).info('connection refused: per-source limit reached', {
        remote: source,
        limit: this.#o.maxConnectionsPerSource,
      });
      socket.destroy();
      return;
    }
    this.#perSource.set(source, held + 1);
    const state: ConnectionState = { socket, timer: undefined, bytesAtArm: 0, authenticated: false };
    socket.once('close', () => {
      clearTimeout(state.timer);
      const left = (this.#perSource.get(source) ?? 0) - 1;
      if (left > 0) this.#perSource.set(source, left);
      else this.#perSource.delete(source);
    });
    if (!tls) {
      this.#states.set(socket, state);
      this.#armHeadDeadline(socket, state);
      serve();
      return;
    }
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    this.#handshaking.set(key, state);
    socket.once('close', () => this.#handshaking.delete(key));
    // Until TLS owns the socket, its errors (a reset during the sniff) have no other listener.
    socket.on('error', () => undefined);
    state.timer = setTimeout(() => socket.destroy(), this.#o.tlsHandshakeTimeoutMs).unref();
    sniffPlainHttp(socket, serve);
  }

  #secured(socket: TLSSocket): void {
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    const state = this.#handshaking.get(key);
    if (state === undefined) return;
    this.#handshaking.delete(key);
    this.#states.set(socket, state);
    this.#armHeadDeadline(socket, state);
  }

  #requestStarted(socket: Socket, res: ServerResponse): void {
    const state = this.#states.get(socket);
    if (state === undefined || state.authenticated) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    res.once('finish', () => {
      if (!state.authenticated && !socket.destroyed) this.#armHeadDeadline(socket, state);
    });
  }

  #armHeadDeadline(socket: Socket, state: ConnectionState): void {
    clearTimeout(state.timer);
    state.bytesAtArm = socket.bytesRead;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      this.#onHeadTimeout(socket, socket.bytesRead > state.bytesAtArm ? 'partial' : 'idle');
    }, this.#o.unauthenticatedHeadersTimeoutMs).unref();
  }
}

/** The remote address a limit counts: IPv4-mapped IPv6 addresses as their IPv4 address. */
function sourceOf(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
