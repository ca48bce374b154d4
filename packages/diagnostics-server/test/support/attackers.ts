/**
 * Clients that hold a server's connections without ever being served: TCP connections that send
 * nothing, TLS handshakes that never finish, and slowloris request heads (a byte at a time). Each slot
 * reopens its connection when the server closes it (or refuses it), so the pressure lasts until the
 * attack stops. Slots are spread over loopback source addresses, as many clients would be.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type AttackKind = 'idle' | 'partial-handshake' | 'slowloris';

export interface AttackSlots {
  readonly kind: AttackKind;
  readonly slots: number;
  /** Source addresses `127.0.<subnet>.1`, `.2`, ..., each used by `perSource` slots. */
  readonly subnet: number;
  readonly perSource: number;
}

export interface AttackCounts {
  /** Connections opened (each reopening counts). */
  opened: number;
  /** Connections the server closed, or refused, before the attack stopped. */
  closedByServer: number;
  /** Slowloris header bytes sent in all. */
  dripped: number;
}

const PARTIAL_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03]);
const DRIP_MS = 1000;
const REOPEN_MS = 100;

export class Attack {
  readonly counts: Record<AttackKind, AttackCounts> = {
    idle: { opened: 0, closedByServer: 0, dripped: 0 },
    'partial-handshake': { opened: 0, closedByServer: 0, dripped: 0 },
    slowloris: { opened: 0, closedByServer: 0, dripped: 0 },
  };
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #running = true;

  /** @param target `https://host:port` of the port under attack. */
  constructor(target: string, plan: readonly AttackSlots[]) {
    const u = new URL(target);
    const endpoint = { host: u.hostname, port: Number(u.port) };
    for (const p of plan) {
      for (let i = 0; i < p.slots; i++) {
        const localAddress = `127.0.${p.subnet}.${1 + Math.floor(i / p.perSource)}`;
        this.#open(endpoint, p.kind, localAddress);
      }
    }
  }

  /** Connections open now. */
  get open(): number {
    return this.#sockets.size;
  }

  stop(): void {
    this.#running = false;
    for (const t of this.#timers) clearTimeout(t);
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  #open(endpoint: { host: string; port: number }, kind: AttackKind, localAddress: string): void {
    if (!this.#running) return;
    const counts = this.counts[kind];
    counts.opened++;
    // A slowloris client completes its handshake (the server's header deadline is what it tests);
    // the others never start or never finish one.
    const tcp = netConnect({ ...endpoint, localAddress });
    const socket: Socket =
      kind === 'slowloris'
        ? tlsConnect({ socket: tcp, rejectUnauthorized: false, servername: 'localhost' })
        : tcp;
    this.#sockets.add(socket);
    let drip: NodeJS.Timeout | undefined;
    socket.once(kind === 'slowloris' ? 'secureConnect' : 'connect', () => {
      if (kind === 'partial-handshake') socket.write(PARTIAL_CLIENT_HELLO);
      if (kind !== 'slowloris') return;
      socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      drip = setInterval(() => {
        if (!socket.writable) return;
        socket.write('a');
        counts.dripped++;
      }, DRIP_MS);
    });
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(drip);
      this.#sockets.delete(socket);
      if (!this.#running) return;
      counts.closedByServer++;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#open(endpoint, kind, localAddress);
      }, REOPEN_MS);
      this.#timers.add(timer);
    });
  }
}
