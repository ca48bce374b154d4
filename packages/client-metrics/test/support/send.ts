import { request } from 'node:http';

/** One request through node:http (how client-node 1.x sends); resolves with the status or the error code. */
export function httpSend(url: string, method = 'GET', body?: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.end(body);
  });
}

/** One request through fetch, i.e. undici (how client-node 2.x sends). */
export async function fetchSend(url: string, method = 'GET', body?: string): Promise<number | string> {
  try {
    const res = await fetch(url, { method, ...(body === undefined ? {} : { body }) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code ?? 'error';
  }
}
