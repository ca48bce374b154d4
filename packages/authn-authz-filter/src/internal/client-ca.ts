import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { AuthnAuthzError, AuthnAuthzErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Parses a PEM bundle; throws `KDIAG_AUTHN_AUTHZ_CLIENT_CA` when it holds no usable certificate. */
export function parseCaBundle(pem: string, from: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw new AuthnAuthzError(
      AuthnAuthzErrorCode.CLIENT_CA,
      `client ca unusable: ${from} holds no PEM certificate; expected at least one "-----BEGIN CERTIFICATE-----" block`,
    );
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (cause) {
      throw new AuthnAuthzError(
        AuthnAuthzErrorCode.CLIENT_CA,
        `client ca unusable: certificate ${i + 1} of ${from} cannot be parsed`,
        {
          cause,
        },
      );
    }
  });
}

/** The trusted client CA certificates; `generation` changes whenever they do. */
export interface ClientCaSource {
  current(): { readonly certs: readonly X509Certificate[]; readonly generation: number };
  close(): void;
}

export function staticClientCa(pem: string): ClientCaSource {
  const state = { certs: parseCaBundle(pem, 'the clientCA option'), generation: 1 };
  return { current: () => state, close: () => {} };
}

interface FileStamp {
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
}

/**
 * A client CA file, re-read when its stat changes. Polling the path (rather than fs.watch) follows the
 * atomic symlink swap Kubernetes uses for mounted ConfigMaps and Secrets. A bad new file is logged and
 * the previous CA kept; a bad file at start throws, so the server does not start.
 */
export function fileClientCa(file: string, intervalMs: number, logger: Logger): ClientCaSource {
  const read = (): { certs: X509Certificate[]; stamp: FileStamp } => {
    let stamp: FileStamp;
    let text: string;
    try {
      const st = statSync(file);
      stamp = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino };
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new AuthnAuthzError(
        AuthnAuthzErrorCode.CLIENT_CA,
        `client ca unusable: cannot read clientCAFile ${JSON.stringify(file)}`,
        { cause },
      );
    }
    return { certs: parseCaBundle(text, `clientCAFile ${JSON.stringify(file)}`), stamp };
  };
  const first = read();
  let state = { certs: first.certs as readonly X509Certificate[], generation: 1 };
  let stamp = first.stamp;
  let timer: NodeJS.Timeout | undefined;
  if (intervalMs > 0) {
    timer = setInterval(() => {
      let st;
      try {
        st = statSync(file);
      } catch (err) {
        logger.error(err, 'Client CA file unreadable; keeping the previous client CA', { file });
        return;
      }
      if (st.mtimeMs === stamp.mtimeMs && st.size === stamp.size && st.ino === stamp.ino) return;
      // Remember the change even if the new file is bad, so it is reported once, not every interval.
      stamp = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino };
      try {
        const next = read();
        stamp = next.stamp;
        state = { certs: next.certs, generation: state.generation + 1 };
        logger.info('Reloaded client CA', { file, certificates: next.certs.length });
      } catch (err) {
        logger.error(err, 'Client CA file changed but is unusable; keeping the previous client CA', { file });
      }
    }, intervalMs);
    timer.unref();
  }
  return {
    current: () => state,
    close: () => {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
