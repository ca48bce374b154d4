// TLS to the collector: a kubediag extension. Kubernetes' TracingConfiguration has no TLS fields
// (its endpoint is documented as insecure), and the file stays exactly Kubernetes' schema, so TLS
// is an option of the provider, set by the operator's own flags or config.
import { readFileSync } from 'node:fs';
import { TracingConfigError, TracingErrorCode } from './errors.ts';

/**
 * TLS for the connection to the collector. Not part of Kubernetes' TracingConfiguration: a
 * kubediag extension passed to {@link createTracingProvider}. Files are read once, when the
 * provider is created; restart to pick up rotated certificates.
 */
export interface CollectorTlsOptions {
  /**
   * PEM bundle of CAs that sign the collector's serving certificate.
   * @default undefined (Node.js' built-in root CAs)
   */
  readonly caFile?: string;
  /**
   * PEM client certificate, for collectors that require mutual TLS. Needs `keyFile`.
   * @default undefined (no client certificate)
   */
  readonly certFile?: string;
  /**
   * PEM private key of `certFile`. Needs `certFile`.
   * @default undefined
   */
  readonly keyFile?: string;
}

/** PEM material read from {@link CollectorTlsOptions}; never logged. */
export interface CollectorTlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new TracingConfigError(
      TracingErrorCode.TLS_UNREADABLE,
      `cannot read the collector TLS ${what} from ${path}: ${code}; expected a readable PEM file`,
      { cause: err },
    );
  }
}

/** Reads the PEM files named in `tls`. */
export function readCollectorTls(tls: CollectorTlsOptions): CollectorTlsMaterial {
  return {
    ...(tls.caFile === undefined ? {} : { ca: read(tls.caFile, 'CA bundle') }),
    ...(tls.certFile === undefined ? {} : { cert: read(tls.certFile, 'client certificate') }),
    ...(tls.keyFile === undefined ? {} : { key: read(tls.keyFile, 'client key') }),
  };
}
