import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { DiagnosticsServer } from '../../src/index.ts';

/** One answer read off a raw connection. */
export interface RawAnswer {
  status: number;
  /** Header names lowercased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

export interface RawConnectionOptions {
  /** The source address, e.g. `127.0.0.2` to be another client than `127.0.0.1`. */
  readonly localAddress?: string;
  /** More TLS client options (`maxVersion`, ...). */
  readonly tls?: Omit<ConnectionOptions, 'host' | 'port'>;
}

/**
 * A client connection to the server with nothing between the test and the bytes: no agent, no
 * framing of the request, so a test can send a body the way a client would (all at once, late, chunked)
 * and see exactly what the server answers and whether it hangs up.
 */
export class RawConnection {
  readonly socket: Socket;
  #buffered = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  /** Set once the server ended the connection (FIN, reset or any other error). */
  #ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, d]);
      this.#wake?.();
    });
    const ended = (): void => {
      this.#ended = true;
      this.#wake?.();
    };
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('error', ended);
  }

  static open(server: DiagnosticsServer, options: RawConnectionOptions = {}): Promise<RawConnection> {
    return RawConnection.openUrl(server.url!, options);
  }

  /** Opens a connection to `url` (`https:` speaks TLS, as any client would; `http:` plain TCP). */
  static openUrl(target: string, options: RawConnectionOptions = {}): Promise<RawConnection> {
    const url = new URL(target);
    const host = url.hostname;
    const port = Number(url.port);
    const from = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
    return new Promise((resolve, reject) => {
      // TLS over a TCP socket of our own: the TLS options have no source address.
      const socket =
        url.protocol === 'https:'
          ? tlsConnect(
              {
                socket: netConnect({ host, port, ...from }),
                rejectUnauthorized: false,
                servername: 'localhost',
                ...options.tls,
              },
              () => done(),
            )
          : netConnect({ host, port, ...from }, () => done());
      const done = (): void => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      };
      socket.once('error', reject);
    });
  }

  /** True once the server has ended the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves true once `data` is handed to the kernel, false if the connection failed first. */
  write(data: string | Buffer): Promise<boolean> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(data, (err) => resolve(err == null)));
  }

  /**
   * Writes `total` bytes of body in 1 MiB pieces, waiting for the kernel to take each, until all are
   * written or the connection fails. Resolves with the bytes the kernel took.
   */
  async pump(total: number): Promise<number> {
    const piece = Buffer.alloc(1024 * 1024, 'b');
    let taken = 0;
    while (taken < total) {
      const n = Math.min(piece.length, total - taken);
      if (!(await this.write(piece.subarray(0, n)))) break;
      taken += n;
    }
    return taken;
  }

  /**
   * The next answer on the connection; undefined when the server ends the connection first, or when
   * nothing complete arrives within `withinMs` (a bound so a failing test ends, not a timing check).
   */
  async answer(withinMs = 5000): Promise<RawAnswer | undefined> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const parsed = this.#take();
      if (parsed !== undefined) return parsed;
      if (this.#ended || Date.now() >= deadline) return undefined;
      await this.#waitForData(deadline);
    }
  }

  /** Resolves true once the server ends the connection; false if it is still open after `withinMs`. */
  async closedByServer(withinMs = 5000): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    while (!this.#ended && Date.now() < deadline) {
      await this.#waitForData(deadline);
    }
    return this.#ended;
  }

  /** Resolves when data or the end arrives, or at `deadline`, whichever is first. */
  async #waitForData(deadline: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Every byte received so far, as latin1 text (for answers the parser below does not frame). */
  received(): string {
    return this.#buffered.toString('latin1');
  }

  /** Parses one complete answer (Content-Length or chunked) off the front of the buffer. */
  #take(): RawAnswer | undefined {
    const text = this.#buffered.toString('latin1');
    const headEnd = text.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const start = headEnd + 4;
    let end: number;
    let body: string;
    if (headers['transfer-encoding'] === 'chunked') {
      const last = text.indexOf('0\r\n\r\n', start);
      if (last < 0) return undefined;
      end = last + 5;
      body = text.slice(start, end);
    } else {
      end = start + Number(headers['content-length'] ?? '0');
      if (this.#buffered.length < end) return undefined;
      body = text.slice(start, end);
    }
    this.#buffered = this.#buffered.subarray(end);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }
}
