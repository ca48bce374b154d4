import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import {
  createServer as createHttpsServer,
  type Server as HttpsServer,
  type ServerOptions as HttpsServerOptions,
} from 'node:https';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { ResolvedDiagnosticsServerOptions } from './options.ts';
import type { Logger, MetricsRegistry } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';
import { ciphersFromGoNames, tlsVersionFromGoName } from './tls-config.ts';
import type { CertWatcher } from './cert-watcher.ts';
import { loadServingCertificate, type ServingCertificateInfo } from './serving-certificate.ts';

/** The Node server of the port, not listening yet, with the certificate it serves. */
export interface ServingServer {
  readonly server: Server | HttpsServer;
  /** The certificate being served (secure mode), updated on each reload. */
  certificate(): ServingCertificateInfo | undefined;
  /** Stops watching the cert dir (no-op without one). */
  stopCertificateReload(): void;
}

/**
 * Creates the Node server: HTTPS with the serving certificate (from the cert dir, reloaded on change,
 * or generated) and the TLS settings, or plain HTTP in insecure mode; both with the port's bounds.
 * Rejects with `KDIAG_SERVER_CERTIFICATE` or `KDIAG_SERVER_TLS`, leaving no watcher behind.
 */
export async function createServingServer(
  o: ResolvedDiagnosticsServerOptions,
  registry: MetricsRegistry,
  log: Logger,
  onRequest: RequestListener,
): Promise<ServingServer> {
  const bounds = {
    maxHeaderSize: o.maxHeaderSize,
    requestTimeout: o.requestTimeoutMs,
    headersTimeout: o.headersTimeoutMs,
    keepAliveTimeout: o.idleTimeoutMs,
    // Node checks header/request deadlines on this period (default 30 s, too coarse for a 32 s limit).
    connectionsCheckingInterval: Math.min(1000, o.headersTimeoutMs),
    noDelay: true,
    // Go refuses a missing Host with its own answer (go-request-checks.ts), not Node's.
    requireHostHeader: false,
  };
  if (!o.secureServing) {
    const server = createHttpServer(bounds, onRequest);
    server.maxConnections = o.maxConnections;
    return { server, certificate: () => undefined, stopCertificateReload: () => undefined };
  }

  // Filled in below; a reload can only come once the watcher started, after this function returned.
  let server: HttpsServer | undefined;
  let contextOptions: SecureContextOptions = {};
  let certificate: ServingCertificateInfo | undefined;
  const pair = await loadServingCertificate(o, registry, log, (next, info) => {
    // New handshakes get the new pair; open connections keep theirs (nothing is dropped).
    server?.setSecureContext({ ...contextOptions, cert: next.cert, key: next.key });
    certificate = info;
  });
  certificate = pair.info;
  const watcher: CertWatcher | undefined = pair.watcher;
  try {
    contextOptions = secureContextOptions(o);
    const httpsOptions: HttpsServerOptions = {
      ...bounds,
      ...contextOptions,
      cert: pair.cert,
      key: pair.key,
      // Node's https speaks HTTP/1.1 only; say so in ALPN rather than leave it implicit.
      ALPNProtocols: ['http/1.1'],
      // Ask for a client certificate only when there is a CA to check it against; never reject in the
      // handshake, so the filter decides (and can fall back to a bearer token).
      requestCert: o.clientCAFile !== undefined,
      rejectUnauthorized: false,
      // The connection policy's deadline runs from the accept; Node's, from the TLS wrap, backs it up.
      handshakeTimeout: o.tlsHandshakeTimeoutMs,
    };
    const https = createHttps(httpsOptions, onRequest);
    https.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      log.V(4).info('TLS handshake failed', { remote: socket.remoteAddress, error: err.message });
    });
    // Go refuses renegotiation; Node allows a client three per ten minutes, each a costly handshake
    // on a connection already admitted. Refused, it ends the connection (an 'error' Node reports to
    // 'clientError', where it is not answerable).
    https.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
    https.maxConnections = o.maxConnections;
    server = https;
    return {
      server: https,
      certificate: () => certificate,
      stopCertificateReload: () => watcher?.stop(),
    };
  } catch (err) {
    watcher?.stop();
    throw err;
  }
}

/** Minimum version, cipher suites and client CAs: what every secure context of the port shares. */
function secureContextOptions(o: ResolvedDiagnosticsServerOptions): SecureContextOptions {
  const ciphers = ciphersFromGoNames(o.tlsCipherSuites);
  const ctx: SecureContextOptions = {
    minVersion: tlsVersionFromGoName(o.tlsMinVersion) ?? 'TLSv1.2',
    ...(ciphers.ok && ciphers.ciphers !== undefined ? { ciphers: ciphers.ciphers } : {}),
  };
  if (o.clientCAFile !== undefined) {
    try {
      ctx.ca = readFileSync(o.clientCAFile);
    } catch (err) {
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.TLS,
        `reading client CA file ${o.clientCAFile}: ${errorText(err)}`,
        { cause: err },
      );
    }
  }
  return ctx;
}

function createHttps(options: HttpsServerOptions, onRequest: RequestListener): HttpsServer {
  try {
    return createHttpsServer(options, onRequest);
  } catch (err) {
    throw new DiagnosticsServerError(
      DiagnosticsServerErrorCode.TLS,
      `creating TLS server: ${errorText(err)}`,
      {
        cause: err,
      },
    );
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
