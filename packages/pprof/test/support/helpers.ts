import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PprofHandler } from '@kubediag/pprof';

export interface Running {
  readonly server: Server;
  readonly base: string;
  close(): Promise<void>;
}

/** A plain node:http server with the handler mounted on every path (the diagnostics server does not exist yet). */
export async function serve(handler: PprofHandler): Promise<Running> {
  const server = createServer((req, res) => handler(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A request; `agent: false` sends it on a connection of its own, closed after the answer. */
export function get(
  url: string,
  init: { method?: string; signal?: AbortSignal; agent?: false } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        ...(init.signal && { signal: init.signal }),
        ...(init.agent === false && { agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
