// From a Kubernetes gRPC target (the TracingConfiguration `endpoint`) to what the Node.js OTLP
// exporter understands. Kubernetes hands the endpoint to grpc-go and always dials without TLS;
// the Node exporter instead treats a scheme-less `host:port` as TLS and then exports nothing, so
// the scheme must be made explicit here.
import { isAbsolute, resolve } from 'node:path';
import { TracingError, TracingErrorCode } from './errors.ts';

/** Where spans go when the configuration has no `endpoint` (the OTLP gRPC default). */
export const DEFAULT_ENDPOINT = 'localhost:4317';

/** How the exporter should dial a collector. */
export interface ExporterTarget {
  /** URL for the OTLP gRPC exporter: `http://host:port`, `https://host:port` or `unix:///path`. */
  readonly url: string;
  /** Whether the connection uses TLS (only with the kubediag `tls` extension). */
  readonly tls: boolean;
}

/**
 * Maps a TracingConfiguration endpoint to the exporter's URL. `host:port` and `dns:[//auth/]host:port`
 * become `http://host:port` (`https://` when `tls` is set); `unix:path` and `unix://path` become
 * `unix:///absolute/path`.
 *
 * @throws TracingError `KDIAG_TRACING_ENDPOINT_UNSUPPORTED` for `unix-abstract:` targets,
 *   which Kubernetes accepts but the Node.js exporter cannot dial
 */
export function toExporterTarget(endpoint: string | undefined, tls: boolean): ExporterTarget {
  const raw = endpoint ?? DEFAULT_ENDPOINT;
  if (raw.startsWith('unix-abstract:')) {
    throw new TracingError(
      TracingErrorCode.ENDPOINT_UNSUPPORTED,
      `cannot export spans to ${raw}: the Node.js OTLP exporter cannot dial unix-abstract sockets; expected host:port or unix:///path`,
    );
  }
  if (raw.startsWith('unix:')) {
    if (tls) {
      throw new TracingError(
        TracingErrorCode.ENDPOINT_UNSUPPORTED,
        `cannot export spans to ${raw} with TLS: TLS applies to host:port endpoints only`,
      );
    }
    const rest = raw.slice('unix:'.length);
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    return { url: `unix://${isAbsolute(path) ? path : resolve(path)}`, tls: false };
  }
  let hostPort = raw;
  const dns = /^dns:(?:\/\/[^/]*\/)?(.*)$/i.exec(raw);
  if (dns !== null) hostPort = dns[1]!;
  return { url: `${tls ? 'https' : 'http'}://${hostPort}`, tls };
}
