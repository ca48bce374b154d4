import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay to a real apiserver, to cut the network and restore it without touching the apiserver:
 * `down()` closes the port (new connections are refused) and drops live ones; `up()` listens on the
 * same port again, bringing the same apiserver back.
 */
export async function tcpProxy(
  target: URL,
): Promise<{ url: string; down: () => Promise<void>; up: () => Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const make = () =>
    net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let listening = true;
  const down = async () => {
    if (!listening) return;
    listening = false;
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `https://127.0.0.1:${port}`,
    down,
    up: async () => {
      if (listening) return;
      server = make();
      await new Promise<void>((resolve, reject) =>
        server.once('error', reject).listen(port, '127.0.0.1', resolve),
      );
      listening = true;
    },
    close: down,
  };
}
