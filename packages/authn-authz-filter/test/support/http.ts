import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Starts `listener` on 127.0.0.1:0; returns its base URL and a close function. */
/** A request listener that may return a promise (a filtered handler does). */
export type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export async function listen(listener: Listener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => void listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}
