import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import type { DiagnosticsServer } from '../../src/index.ts';

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
  /** Verify the server against this CA (as `localhost`) instead of accepting any certificate. */
  ca?: string;
}

/**
 * One HTTP(S) request with a raw path (no client-side normalization), to the diagnostics port of
 * `target`, or to a base URL (the probe listener's).
 */
export function call(target: DiagnosticsServer | string, c: Call): Promise<Reply> {
  const url = new URL(typeof target === 'string' ? target : target.url!);
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
