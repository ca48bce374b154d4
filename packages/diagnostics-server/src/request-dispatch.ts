import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from './types.ts';
import type { Router } from './router.ts';
import { encodePath, normalizeRequestTarget } from './path.ts';
import { redirect } from './internal/respond.ts';
import { writeGoHttpError } from '@kubediag/options';
import { guardRequest } from './protocol-guards.ts';

/**
 * The path every request takes: bounded by `requestTimeoutMs`, guarded, its target normalized once,
 * then routed, so the filter and the handler see the same clean path. This is the hot path of the
 * server: no allocation or closure here that the request does not need.
 */
export class RequestDispatcher {
  readonly #router: Router;
  readonly #log: Logger;
  readonly #requestTimeoutMs: number;
  /** Responses not closed yet. */
  readonly #inFlight = new Set<ServerResponse>();
  /** The response in progress on each socket, so a client error never writes into a started response. */
  readonly #responses = new WeakMap<Socket, ServerResponse>();
  /** Set once the server stops: every answer closes its connection, and idle ones are closed. */
  #draining: Server | undefined;

  constructor(router: Router, log: Logger, requestTimeoutMs: number) {
    this.#router = router;
    this.#log = log;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** How many responses are still open. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** The response in progress on `socket`, if any. */
  responseOn(socket: Socket): ServerResponse | undefined {
    return this.#responses.get(socket);
  }

  /** From now on every answer says `Connection: close`, and a connection is closed once it is idle. */
  drain(server: Server): void {
    this.#draining = server;
  }

  dispatch(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    this.#inFlight.add(res);
    this.#responses.set(req.socket, res);
    // Bound the whole exchange, response included: Node's requestTimeout only covers receiving the request.
    const deadline = setTimeout(() => {
      if (!res.writableFinished) {
        this.#log.V(2).info('request exceeded requestTimeoutMs; closing the connection', {
          timeoutMs: this.#requestTimeoutMs,
        });
        res.destroy();
      }
    }, this.#requestTimeoutMs);
    deadline.unref();
    let logPath = '-';
    res.once('close', () => {
      clearTimeout(deadline);
      this.#inFlight.delete(res);
      if (this.#responses.get(req.socket) === res) this.#responses.delete(req.socket);
      const v4 = this.#log.V(4);
      if (v4.enabled) {
        v4.info('request', {
          method: req.method,
          path: logPath,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          remote: req.socket.remoteAddress,
          finished: res.writableFinished,
        });
      }
      this.#draining?.closeIdleConnections();
    });
    if (this.#draining !== undefined) res.setHeader('Connection', 'close');
    if (guardRequest(req, res)) return;

    const target = normalizeRequestTarget(req.url ?? '');
    if (target.kind === 'invalid') return writeGoHttpError(res, 400, target.reason, { Connection: 'close' });
    if (target.kind === 'redirect') return redirect(res, req, target.location);
    logPath = target.path;
    const m = this.#router.match(target.path, target.search);
    if (m.kind === 'none') return writeGoHttpError(res, 404, '404 page not found');
    if (m.kind === 'redirect') return redirect(res, req, m.location);
    const route = m.route;
    if (req.method === 'TRACE' || req.method === 'CONNECT') {
      // Never echo a request (TRACE) or tunnel (CONNECT); answered before the filter, no handler runs.
      return writeGoHttpError(res, 405, 'method not allowed', { Allow: route.allow.join(', ') });
    }
    // Filter and handler see the same clean path (plus the original query).
    req.url = encodePath(target.path) + target.search;
    let result: void | Promise<void>;
    try {
      result = route.handler(req, res);
    } catch (err) {
      return this.#handlerFailed(err, res, target.path);
    }
    if (result instanceof Promise) result.catch((err: unknown) => this.#handlerFailed(err, res, target.path));
  }

  #handlerFailed(err: unknown, res: ServerResponse, path: string): void {
    this.#log.error(err, 'diagnostics handler failed', { path });
    writeGoHttpError(res, 500, 'internal server error');
  }
}
