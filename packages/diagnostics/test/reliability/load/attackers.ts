/**
 * Misbehaving clients for the connection-limits test: connections that never finish their TLS
 * handshake, finish it and send nothing, or send a request head one byte at a time (slowloris, on a
 * new connection or after a first request on a kept-alive one). Each slot of an attack reopens its
 * connection when the server closes it, so the pressure lasts until the attack is stopped.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Endpoint } from './raw-http.ts';

export const ATTACK_KINDS = [
  'tcp-idle',
  'tls-partial-handshake',
  'tls-idle',
  'slowloris',
  'keepalive-slowloris',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface AttackConnection {
  readonly kind: AttackKind;
  readonly openedAt: number;
  /** The TLS handshake completed (TCP connect for plain HTTP). */
  secured: boolean;
  /** When the server closed it; undefined while open or when the attack closed it itself. */
  closedByServerAt?: number;
  /** Header bytes sent one at a time before the server closed the connection. */
  dripped: number;
  /** The first 2000 bytes the server sent (a 408; the keep-alive variant's first answer before it). */
  received: string;
}

/** The start of a TLS record carrying a ClientHello that is never completed. */
const PARTIAL_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03]);

function open(
  ep: Endpoint,
  kind: AttackKind,
  dripMs: number,
  onClose: (c: AttackConnection) => void,
): () => void {
  const c: AttackConnection = { kind, openedAt: Date.now(), secured: false, dripped: 0, received: '' };
  const raw = kind === 'tcp-idle' || kind === 'tls-partial-handshake' || !ep.tls;
  const socket: Socket = raw
    ? netConnect({ host: ep.host, port: ep.port })
    : tlsConnect({ host: ep.host, port: ep.port, servername: 'localhost', rejectUnauthorized: false });
  let stopping = false;
  let drip: NodeJS.Timeout | undefined;
  const startDrip = (): void => {
    socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    // A header that never ends: only the server's header timeout can end this request.
    drip = setInterval(() => {
      if (socket.writable) {
        socket.write('a');
        c.dripped++;
      }
    }, dripMs);
  };
  socket.once(raw ? 'connect' : 'secureConnect', () => {
    c.secured = true;
    if (kind === 'tls-partial-handshake') socket.write(PARTIAL_CLIENT_HELLO);
    else if (kind === 'slowloris') startDrip();
    else if (kind === 'keepalive-slowloris') socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
  socket.on('data', (d: Buffer) => {
    if (c.received.length < 2000) c.received += d.toString('latin1').slice(0, 2000);
    // The first answer on the kept-alive variant: now start the slow second request.
    if (kind === 'keepalive-slowloris' && drip === undefined && c.received.includes('\r\n\r\n')) startDrip();
  });
  socket.on('error', () => undefined);
  socket.once('close', () => {
    clearInterval(drip);
    if (!stopping) c.closedByServerAt = Date.now();
    onClose(c);
  });
  return () => {
    stopping = true;
    socket.destroy();
  };
}

/** `slots` connections of the given kinds (round robin), each reopened `reopenDelayMs` after it closes. */
export class Attack {
  readonly connections: AttackConnection[] = [];
  readonly #closers = new Set<() => void>();
  #running = true;

  constructor(
    ep: Endpoint,
    slots: number,
    kinds: readonly AttackKind[],
    dripMs: number,
    reopenDelayMs = 100,
  ) {
    for (let i = 0; i < slots; i++) {
      const kind = kinds[i % kinds.length]!;
      const launch = (): void => {
        if (!this.#running) return;
        const close = open(ep, kind, dripMs, (c) => {
          this.#closers.delete(close);
          this.connections.push(c);
          setTimeout(launch, reopenDelayMs);
        });
        this.#closers.add(close);
      };
      launch();
    }
  }

  stop(): void {
    this.#running = false;
    for (const close of this.#closers) close();
    this.#closers.clear();
  }
}
