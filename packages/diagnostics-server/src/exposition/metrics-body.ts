import { createGzip, type Gzip } from 'node:zlib';
import type { RenderSink } from './render-in-slices.ts';

/** The finished body of a `/metrics` answer. */
export interface FinishedBody {
  readonly body: Buffer;
  readonly gzipped: boolean;
}

/**
 * Collects the rendered slices of `/metrics` as bytes. Once the text reaches `gzipMinBytes` (counted
 * in UTF-16 units, as the length of the whole string always was), the slices go through one gzip
 * stream as they come: compression runs on the libuv pool while the next slices render, and the
 * plain text is not kept. `gzipMinBytes` undefined means the client did not ask for gzip.
 */
export class MetricsBody implements RenderSink {
  readonly #gzipMinBytes: number | undefined;
  #length = 0;
  #plain: Buffer[] = [];
  #gzip: Gzip | undefined;
  #zipped: Promise<Buffer> | undefined;

  constructor(gzipMinBytes: number | undefined) {
    this.#gzipMinBytes = gzipMinBytes;
  }

  write(chunk: string): void {
    this.#length += chunk.length;
    const bytes = Buffer.from(chunk);
    if (this.#gzip !== undefined) {
      this.#gzip.write(bytes);
      return;
    }
    this.#plain.push(bytes);
    if (this.#gzipMinBytes !== undefined && this.#length >= this.#gzipMinBytes) this.#startGzip();
  }

  /** The whole body; rejects if compression failed. */
  async finish(): Promise<FinishedBody> {
    if (this.#gzip === undefined || this.#zipped === undefined) {
      return {
        body: this.#plain.length === 1 ? this.#plain[0]! : Buffer.concat(this.#plain),
        gzipped: false,
      };
    }
    this.#gzip.end();
    return { body: await this.#zipped, gzipped: true };
  }

  /** Drops what was collected (the render failed or was abandoned). */
  discard(): void {
    this.#plain = [];
    this.#gzip?.destroy();
  }

  #startGzip(): void {
    const gzip = createGzip();
    const out: Buffer[] = [];
    this.#zipped = new Promise<Buffer>((resolve, reject) => {
      gzip.on('data', (d: Buffer) => out.push(d));
      gzip.once('end', () => resolve(Buffer.concat(out)));
      gzip.once('error', reject);
    });
    // A discarded body's stream is destroyed without an 'end'; nothing awaits it then.
    this.#zipped.catch(() => undefined);
    for (const bytes of this.#plain) gzip.write(bytes);
    this.#plain = [];
    this.#gzip = gzip;
  }
}
