// A TCP relay in front of the real apiserver that can stall the connections going through it: what a
// watch sees behind a load balancer that stopped forwarding, a NAT that lost its entry while the peer
// keeps the socket, or an apiserver that hangs. The TLS inside is not touched (the client talks to the
// apiserver end to end, its certificate is valid for 127.0.0.1 on any port), so a stalled watch keeps an
// open, authenticated stream that simply carries nothing — neither an error nor an end.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StallingProxy {
  /** `https://127.0.0.1:<port>`: the apiserver's URL, through the proxy. */
  readonly url: string;
  /** Connections relayed now. */
  connections(): number;
  /**
   * Stalls every connection relayed now: nothing more is forwarded either way, and both sockets stay
   * open (the bytes wait in the sockets, unread). Connections made afterwards are relayed as usual.
   * Returns how many connections were stalled.
   */
  stall(): number;
  /** Forwards again what the stalled connections hold, in order, and everything after it. */
  resume(): void;
  /** Closes the stalled connections (the client sees its stream break, as when a peer gives up). */
  cut(): void;
  close(): Promise<void>;
}

interface Relay {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  stalled: boolean;
}

export async function startStallingProxy(target: string): Promise<StallingProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const relays = new Set<Relay>();

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), hostname);
    const relay: Relay = { client, upstream, stalled: false };
    relays.add(relay);
    const drop = (): void => {
      relays.delete(relay);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    connections: () => relays.size,
    stall() {
      let stalled = 0;
      for (const relay of relays) {
        if (relay.stalled) continue;
        relay.stalled = true;
        stalled++;
        // Unpiped and paused, a socket is read no further: what arrives stays in it, in order.
        relay.client.unpipe(relay.upstream).pause();
        relay.upstream.unpipe(relay.client).pause();
      }
      return stalled;
    },
    resume() {
      for (const relay of relays) {
        if (!relay.stalled) continue;
        relay.stalled = false;
        relay.client.pipe(relay.upstream);
        relay.upstream.pipe(relay.client);
      }
    },
    cut() {
      for (const relay of relays) {
        if (!relay.stalled) continue;
        relays.delete(relay);
        relay.client.destroy();
        relay.upstream.destroy();
      }
    },
    async close() {
      for (const relay of relays) {
        relay.client.destroy();
        relay.upstream.destroy();
      }
      relays.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
