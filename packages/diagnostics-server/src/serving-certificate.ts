import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { Logger, MetricsRegistry } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';
import { CertWatcher, type CertificatePair, type CertWatcherCounters } from './cert-watcher.ts';
import { generateSelfSignedCertificate } from './self-signed.ts';

/** The certificate the server presents. */
export interface ServingCertificateInfo {
  /** `'cert-dir'` (files, reloaded on change) or `'self-signed'` (generated in memory at start). */
  readonly source: 'cert-dir' | 'self-signed';
  /** The chain presented, PEM. */
  readonly certPem: string;
  /** For a generated certificate: the CA that signed it, to hand to clients (`--cacert`, `ca_file`). */
  readonly caPem: string | undefined;
  /** SHA-256 fingerprint of the leaf. */
  readonly fingerprint256: string;
}

/** What {@link loadServingCertificate} needs from the resolved options. */
export interface ServingCertificateOptions {
  readonly certDir?: string;
  readonly certName: string;
  readonly keyName: string;
  readonly certReloadIntervalMs: number;
  readonly selfSignedNames: readonly string[];
}

/** The initial pair, plus the watcher when it comes from a cert dir. */
export interface LoadedCertificate {
  cert: Buffer | string;
  key: Buffer | string;
  info: ServingCertificateInfo;
  watcher: CertWatcher | undefined;
}

/** controller-runtime's certwatcher counters, registered once per registry (reused when present). */
async function certCounters(registry: MetricsRegistry): Promise<CertWatcherCounters | undefined> {
  if (typeof registry.getSingleMetric !== 'function' || typeof registry.registerMetric !== 'function') {
    return undefined;
  }
  // prom-client is a peer dependency; only loaded when a cert dir is used.
  const { Counter } = await import('prom-client');
  const get = (name: string, help: string): { inc(): void } => {
    const existing = registry.getSingleMetric?.(name) as { inc?: () => void } | undefined;
    if (existing !== undefined && typeof existing.inc === 'function') return existing as { inc(): void };
    return new Counter({ name, help, registers: [registry as never] });
  };
  const reads = get('certwatcher_read_certificate_total', 'Total number of certificate reads');
  const errors = get('certwatcher_read_certificate_errors_total', 'Total number of certificate read errors');
  return { read: () => reads.inc(), readError: () => errors.inc() };
}

function dirInfo(pair: CertificatePair): ServingCertificateInfo {
  return {
    source: 'cert-dir',
    certPem: pair.cert.toString(),
    caPem: undefined,
    fingerprint256: pair.fingerprint256,
  };
}

/**
 * controller-runtime's choice: when both files exist in the cert dir, serve them through a watcher (an
 * invalid pair fails here); otherwise, including when only one of them exists, generate a certificate.
 *
 * @param onChange called with each reloaded pair (not the initial one).
 */
export async function loadServingCertificate(
  o: ServingCertificateOptions,
  registry: MetricsRegistry,
  log: Logger,
  onChange: (pair: CertificatePair, info: ServingCertificateInfo) => void,
): Promise<LoadedCertificate> {
  if (o.certDir !== undefined) {
    if (existsSync(join(o.certDir, o.certName)) && existsSync(join(o.certDir, o.keyName))) {
      const counters = await certCounters(registry);
      const watcher = new CertWatcher({
        dir: o.certDir,
        certName: o.certName,
        keyName: o.keyName,
        pollIntervalMs: o.certReloadIntervalMs,
        log,
        ...(counters === undefined ? {} : { counters }),
        onChange: (pair) => onChange(pair, dirInfo(pair)),
      });
      const pair = await watcher.start();
      return { cert: pair.cert, key: pair.key, info: dirInfo(pair), watcher };
    }
    log.V(1).info('cert dir lacks the certificate or the key; generating a self-signed certificate', {
      certDir: o.certDir,
    });
  }
  try {
    const gen = generateSelfSignedCertificate(o.selfSignedNames);
    const info: ServingCertificateInfo = {
      source: 'self-signed',
      certPem: gen.certPem,
      caPem: gen.caPem,
      fingerprint256: new X509Certificate(gen.certPem).fingerprint256,
    };
    return { cert: gen.certPem, key: gen.keyPem, info, watcher: undefined };
  } catch (err) {
    throw new DiagnosticsServerError(
      DiagnosticsServerErrorCode.CERTIFICATE,
      `generating self-signed certificate: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
