// TLS to the collector: a kubediag extension. Kubernetes' TracingConfiguration has no TLS fields
// (its endpoint is documented as insecure), and the file stays exactly Kubernetes' schema, so TLS
// is an option of the provider, set by the operator's own flags or config.
import { readFileSync } from 'node:fs';
import { TracingError, TracingErrorCode } from './errors.ts';
import type { CollectorTlsOptions } from './options.ts';

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
    throw new TracingError(
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
