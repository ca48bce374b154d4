/**
 * A raw HTTP/1.1 client over TCP or TLS: it sends exactly the bytes it is given (odd methods,
 * malformed headers, duplicate headers, broken framing — what Node's http client refuses to send)
 * and parses whatever comes back, on a connection that can be reused while the server keeps it alive.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** CA of the server certificate (TLS); without it the certificate is not verified. */
  readonly caPem?: string | undefined;
}

export function endpointOf(url: string, caPem?: string): Endpoint {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port),
    tls: u.protocol === 'https:',
    ...(caPem === undefined ? {} : { caPem }),
  };
}

export interface RawResponse {
  readonly kind: 'response';
  readonly status: number;
  /** Lowercased names; repeated headers keep every value. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
  /** False when the server said `Connection: close` or closed the connection. */
  readonly keepAlive: boolean;
}

/** The server closed (or reset) the connection before a complete response. */
export interface RawClosed {
  readonly kind: 'closed';
  readonly received: Buffer;
}

/** Nothing complete arrived within the client's own guard time. */
export interface RawTimeout {
  readonly kind: 'timeout';
  readonly received: Buffer;
}

export type RawResult = RawResponse | RawClosed | RawTimeout;

/** Opens a connection (TLS handshake included); rejects when the server refuses or drops it. */
export function openConnection(ep: Endpoint, timeoutMs = 10_000): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket: Socket = ep.tls
      ? tlsConnect({
          host: ep.host,
          port: ep.port,
          servername: 'localhost',
          ...(ep.caPem === undefined ? { rejectUnauthorized: false } : { ca: ep.caPem }),
        })
      : netConnect({ host: ep.host, port: ep.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${ep.host}:${ep.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('close', () => fail(new Error('connection closed during connect')));
    socket.once(ep.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.removeAllListeners('close');
      resolve(new RawConnection(socket));
    });
  });
}

interface Pending {
  readonly head: boolean;
  readonly resolve: (r: RawResult) => void;
  readonly timer: NodeJS.Timeout;
}

/** One client connection; one exchange at a time (no pipelining). */
export class RawConnection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: Pending | undefined;
  #ended = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#tryComplete();
    });
    // A reset is a close like any other here; the caller sees 'closed'.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#ended = true;
      this.#tryComplete();
    });
  }

  /** True once the connection can no longer carry a request. */
  get closed(): boolean {
    return this.#ended || this.#socket.destroyed;
  }

  /** Sends `bytes` and resolves with the response, or how the exchange ended without one. */
  exchange(bytes: Buffer | string, options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResult> {
    if (this.#pending !== undefined) throw new Error('an exchange is already in progress');
    this.#buffer = Buffer.alloc(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        this.#socket.destroy();
        resolve({ kind: 'timeout', received: this.#buffer });
      }, options.timeoutMs ?? 20_000);
      this.#pending = { head: options.head ?? false, resolve, timer };
      if (this.closed) this.#tryComplete();
      else this.#socket.write(bytes);
    });
  }

  /** Writes without waiting for an answer (slow and aborted clients). */
  write(bytes: Buffer | string): void {
    if (!this.closed) this.#socket.write(bytes);
  }

  /** Resolves when the server (or anyone) closes the connection; with what was received meanwhile. */
  whenClosed(): Promise<Buffer> {
    if (this.closed) return Promise.resolve(this.#buffer);
    return new Promise((resolve) => this.#socket.once('close', () => resolve(this.#buffer)));
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #tryComplete(): void {
    const p = this.#pending;
    if (p === undefined) return;
    const parsed = parseResponse(this.#buffer, p.head, this.#ended);
    if (parsed === undefined) {
      if (!this.#ended) return;
      this.#finish(p, { kind: 'closed', received: this.#buffer });
      return;
    }
    this.#buffer = this.#buffer.subarray(parsed.consumed);
    this.#finish(p, { ...parsed.response, keepAlive: parsed.response.keepAlive && !this.#ended });
  }

  #finish(p: Pending, r: RawResult): void {
    clearTimeout(p.timer);
    this.#pending = undefined;
    if (r.kind === 'response' && !r.keepAlive) this.#socket.destroy();
    p.resolve(r);
  }
}

/**
 * Parses one final response at the start of `buf` (interim 1xx responses are skipped). Returns
 * undefined while incomplete; a body delimited by the close is complete once `ended`.
 */
export function parseResponse(
  buf: Buffer,
  head: boolean,
  ended: boolean,
): { response: RawResponse; consumed: number } | undefined {
  let offset = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', offset);
    if (end < 0) return undefined;
    const lines = buf.subarray(offset, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (m === null) return undefined;
    const status = Number(m[1]);
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const values = headers.get(name) ?? [];
      values.push(line.slice(colon + 1).trim());
      headers.set(name, values);
    }
    const bodyStart = end + 4;
    if (status >= 100 && status < 200 && status !== 101) {
      offset = bodyStart;
      continue;
    }
    const connection = (headers.get('connection') ?? []).join(',').toLowerCase();
    let keepAlive = !connection.includes('close');
    const te = (headers.get('transfer-encoding') ?? []).join(',').toLowerCase();
    const cl = headers.get('content-length')?.[0];
    let body: Buffer;
    let consumed: number;
    if (head || status === 204 || status === 304) {
      body = Buffer.alloc(0);
      consumed = bodyStart;
    } else if (te.includes('chunked')) {
      const chunked = decodeChunked(buf, bodyStart);
      if (chunked === undefined) return undefined;
      ({ body, consumed } = chunked);
    } else if (cl !== undefined) {
      const n = Number(cl);
      if (buf.length < bodyStart + n) return undefined;
      body = buf.subarray(bodyStart, bodyStart + n);
      consumed = bodyStart + n;
    } else {
      if (!ended) return undefined;
      body = buf.subarray(bodyStart);
      consumed = buf.length;
      keepAlive = false;
    }
    return { response: { kind: 'response', status, headers, body, keepAlive }, consumed };
  }
}

function decodeChunked(buf: Buffer, start: number): { body: Buffer; consumed: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) return undefined;
    at = eol + 2;
    if (size === 0) {
      // Trailers, then an empty line.
      const trailerEnd = buf.indexOf('\r\n', at);
      if (trailerEnd < 0) return undefined;
      if (trailerEnd === at) return { body: Buffer.concat(parts), consumed: at + 2 };
      const end = buf.indexOf('\r\n\r\n', at);
      if (end < 0) return undefined;
      return { body: Buffer.concat(parts), consumed: end + 4 };
    }
    if (buf.length < at + size + 2) return undefined;
    parts.push(buf.subarray(at, at + size));
    at += size + 2;
  }
}
