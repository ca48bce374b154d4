import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { createDiscardLogger } from '@kubediag/klog';
import {
  createDiagnosticsServer,
  type DiagnosticsServer,
  type DiagnosticsServerOptions,
  type Filter,
  type FilterProvider,
} from '../src/index.ts';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  raw: Buffer;
}

export interface Call {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Ask the server for a fresh connection (no agent reuse). */
  ca?: string;
}

/** One HTTP(S) request with a raw path (no client-side normalization). */
export function call(server: DiagnosticsServer, c: Call): Promise<Reply> {
  const url = new URL(server.url!);
  const secure = url.protocol === 'https:';
  const req = (secure ? httpsRequest : httpRequest)({
    host: url.hostname,
    port: url.port,
    method: c.method ?? 'GET',
    path: c.path,
    headers: c.headers ?? {},
    agent: false,
    ...(secure
      ? c.ca !== undefined
        ? { ca: c.ca, servername: 'localhost' }
        : { rejectUnauthorized: false }
      : {}),
  });
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.once('error', reject);
      res.once('end', () => {
        const raw = Buffer.concat(chunks);
        const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, raw });
      });
    });
    req.end(c.body);
  });
}

/** What the fake filter saw, in order. */
export interface FilterRecord {
  path: string;
  verb: string;
  user: string | undefined;
}

/**
 * A fake filter with the contract's shape: `Bearer good` is allowed, `Bearer bad` denied (403, the
 * controller-runtime text), no token 401. It records the path it decided on, so tests can compare it with
 * what the handler saw.
 */
export function fakeFilter(records: FilterRecord[] = []): {
  provider: FilterProvider;
  records: FilterRecord[];
} {
  const filter: Filter = (_log, handler) => (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const verb = (req.method ?? '').toLowerCase();
    const auth = req.headers.authorization;
    const user = auth === 'Bearer good' ? 'alice' : auth === 'Bearer bad' ? 'bob' : undefined;
    records.push({ path, verb, user });
    delete req.headers.authorization;
    if (user === undefined) {
      res.statusCode = 401;
      res.end('Unauthorized\n');
      return;
    }
    if (user === 'bob') {
      res.statusCode = 403;
      res.end(`Authorization denied for user ${user}\n`);
      return;
    }
    return handler(req, res);
  };
  return { provider: () => filter, records };
}

export const GOOD = { Authorization: 'Bearer good' };

/** A started server on 127.0.0.1:0 with a discard logger; stopped by the returned function. */
export async function startServer(
  options: DiagnosticsServerOptions = {},
): Promise<{ server: DiagnosticsServer; records: FilterRecord[]; stop: () => Promise<void> }> {
  const { provider, records } = fakeFilter();
  const server = createDiagnosticsServer({
    bindAddress: '127.0.0.1:0',
    logger: createDiscardLogger(),
    filterProvider: provider,
    pprofHandler: (req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`pprof ${req.url}\n`);
    },
    ...options,
  });
  await server.start();
  return { server, records, stop: () => server.stop(1000) };
}

/** The leaf certificate a TLS handshake to the server presents. */
export function peerCertificate(server: DiagnosticsServer): Promise<PeerCertificate> {
  const url = new URL(server.url!);
  return new Promise((resolve, reject) => {
    const s = tlsConnect(
      { host: url.hostname, port: Number(url.port), rejectUnauthorized: false, servername: 'localhost' },
      () => {
        const cert = s.getPeerCertificate();
        s.end();
        resolve(cert);
      },
    );
    s.once('error', reject);
  });
}

export { publishSecret } from '@kubediag/envtest';
