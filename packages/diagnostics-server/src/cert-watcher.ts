import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { tls } from './internal/node-tls.ts';
import type { Logger } from './types.ts';
import { DiagnosticsServerError, DiagnosticsServerErrorCode } from './errors.ts';

/** A serving certificate and key, as PEM. */
export interface CertificatePair {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** SHA-256 fingerprint of the leaf (Node's `AA:BB:...` form). */
  readonly fingerprint256: string;
}

/** Counters a watcher reports to (controller-runtime's certwatcher metrics). */
export interface CertWatcherCounters {
  read(): void;
  readError(): void;
}

export interface CertWatcherOptions {
  dir: string;
  certName: string;
  keyName: string;
  pollIntervalMs: number;
  log: Logger;
  counters?: CertWatcherCounters;
  /** Called with each new valid pair (not with the initial one). */
  onChange: (pair: CertificatePair) => void;
}

/** Reads and checks a pair: both PEMs parse and the key matches the certificate. */
export async function readCertificatePair(certPath: string, keyPath: string): Promise<CertificatePair> {
  const [cert, key] = await Promise.all([readFile(certPath), readFile(keyPath)]);
  // createSecureContext is what the server will use, so it is the authoritative check
  // (it throws "key values mismatch" for a key that does not belong to the certificate).
  tls.createSecureContext({ cert, key });
  const fingerprint256 = new X509Certificate(cert).fingerprint256;
  return { cert, key, fingerprint256 };
}

/**
 * Watches a cert dir like controller-runtime's certwatcher: the first read must succeed; then a
 * file-system watch on the DIRECTORY (a Secret volume swaps the `..data` symlink, which a watch on the
 * files themselves would miss once the old target is deleted) plus a poll as a safety net. A change is
 * applied only when the certificate or key bytes differ; a pair that fails to load keeps the old one.
 */
export class CertWatcher {
  readonly #o: CertWatcherOptions;
  readonly #certPath: string;
  readonly #keyPath: string;
  #current: CertificatePair | undefined;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #reloading: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: CertWatcherOptions) {
    this.#o = options;
    this.#certPath = join(options.dir, options.certName);
    this.#keyPath = join(options.dir, options.keyName);
  }

  /** The pair being served. */
  get current(): CertificatePair | undefined {
    return this.#current;
  }

  /** Initial read (must succeed), then starts watching. */
  async start(): Promise<CertificatePair> {
    try {
      this.#current = await readCertificatePair(this.#certPath, this.#keyPath);
      this.#o.counters?.read();
    } catch (err) {
      this.#o.counters?.readError();
      throw new DiagnosticsServerError(
        DiagnosticsServerErrorCode.CERTIFICATE,
        `loading serving certificate from ${this.#certPath} and ${this.#keyPath}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    this.#ensureWatch();
    this.#poll = setInterval(() => {
      this.#ensureWatch();
      void this.reload();
    }, this.#o.pollIntervalMs);
    this.#poll.unref();
    return this.#current;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #ensureWatch(): void {
    if (this.#watcher !== undefined || this.#stopped) return;
    try {
      const w = watch(this.#o.dir, { persistent: false }, () => this.#schedule());
      w.on('error', (err) => {
        // The directory went away (volume remount): drop the watch; the poll re-creates it.
        this.#o.log.V(2).info('cert dir watch failed; relying on the poll until it can be re-added', {
          dir: this.#o.dir,
          error: err.message,
        });
        w.close();
        if (this.#watcher === w) this.#watcher = undefined;
      });
      this.#watcher = w;
    } catch (err) {
      this.#o.log.V(2).info('cannot watch cert dir; relying on the poll', {
        dir: this.#o.dir,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Coalesces a burst of events (a symlink swap is several renames) into one reload. */
  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.reload(), 50);
    this.#debounce.unref();
  }

  /** Re-reads the pair now; resolves when done. Concurrent calls are merged. */
  reload(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = this.#reloadOnce().finally(() => {
      this.#reloading = undefined;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        void this.reload();
      }
    });
    return this.#reloading;
  }

  async #reloadOnce(): Promise<void> {
    if (this.#stopped) return;
    let cert: Buffer;
    let key: Buffer;
    try {
      [cert, key] = await Promise.all([readFile(this.#certPath), readFile(this.#keyPath)]);
    } catch (err) {
      this.#failed(err);
      return;
    }
    const cur = this.#current;
    if (cur !== undefined && cur.cert.equals(cert) && cur.key.equals(key)) return;
    let next: CertificatePair;
    try {
      tls.createSecureContext({ cert, key });
      next = { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
    } catch (err) {
      this.#failed(err);
      return;
    }
    if (this.#stopped) return;
    this.#o.counters?.read();
    this.#current = next;
    this.#o.log
      .V(1)
      .info('updated serving certificate', { dir: this.#o.dir, fingerprint: next.fingerprint256 });
    this.#o.onChange(next);
  }

  #failed(err: unknown): void {
    this.#o.counters?.readError();
    // A half-written pair during a rotation is normal; keep serving the old one.
    this.#o.log.error(err, 'error re-reading serving certificate; keeping the previous one', {
      dir: this.#o.dir,
    });
  }
}
