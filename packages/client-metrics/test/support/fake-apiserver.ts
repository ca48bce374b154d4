// A stand-in for kube-apiserver in unit tests (integration tests use envtest's real one): one
// collection, /api/v1/configmaps, listed and watched the way the apiserver answers, with switches to
// refuse requests, end or stall watches, and send events and bookmarks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

export interface FakeApiserver {
  readonly url: string;
  /** Every request's method and URL, in order. */
  readonly requests: { readonly method: string; readonly url: string }[];
  /** Answers every request with this status and a Status body until cleared (undefined). */
  refuseWith: number | undefined;
  /** Watch streams open now. */
  openWatches(): number;
  /** Resolves once `count` watch streams have been opened in total. */
  watchesOpened(count: number): Promise<void>;
  /** Writes one event to every open watch. */
  send(event: WatchEvent): void;
  /** Ends every open watch stream, as the apiserver does at its timeout. */
  endWatches(): void;
  close(): Promise<void>;
}

export function configMap(name: string, resourceVersion: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion } };
}

export async function startFakeApiserver(): Promise<FakeApiserver> {
  const watches = new Set<ServerResponse>();
  let opened = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const requests: { method: string; url: string }[] = [];
  const state = { refuseWith: undefined as number | undefined };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const url = new URL(req.url ?? '/', 'http://fake');
    if (state.refuseWith !== undefined) {
      res.writeHead(state.refuseWith, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: state.refuseWith }),
      );
      return;
    }
    if (
      url.pathname !== '/api/v1/configmaps' &&
      !url.pathname.startsWith('/api/v1/namespaces/default/configmaps')
    ) {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      watches.add(res);
      res.on('close', () => watches.delete(res));
      opened++;
      for (const w of waiters.filter((w) => opened >= w.count)) w.resolve();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMapList',
        metadata: { resourceVersion: '10' },
        items: [configMap('first', '9')],
      }),
    );
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get refuseWith() {
      return state.refuseWith;
    },
    set refuseWith(code) {
      state.refuseWith = code;
    },
    openWatches: () => watches.size,
    watchesOpened: (count) =>
      opened >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    send(event) {
      for (const w of watches) w.write(`${JSON.stringify(event)}\n`);
    },
    endWatches() {
      for (const w of watches) w.end();
    },
    async close() {
      for (const w of watches) w.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
