import type { SecureVersion } from 'node:tls';
import { tls } from './internal/node-tls.ts';

/** Go's `crypto/tls` version names, as accepted by component-base's `--tls-min-version`. */
export type TlsVersionName = 'VersionTLS10' | 'VersionTLS11' | 'VersionTLS12' | 'VersionTLS13';

const TLS_VERSIONS: Readonly<Record<TlsVersionName, SecureVersion>> = Object.freeze({
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
});

/** The Go version names we accept, in order. */
export const TLS_VERSION_NAMES: readonly TlsVersionName[] = Object.freeze(
  Object.keys(TLS_VERSIONS) as TlsVersionName[],
);

/**
 * Maps a Go TLS version name to Node's. An empty string means TLS 1.2, as in component-base.
 * Returns undefined for an unknown name (the caller reports `unknown tls version "X"`).
 */
export function tlsVersionFromGoName(name: string): SecureVersion | undefined {
  if (name === '') return 'TLSv1.2';
  return Object.hasOwn(TLS_VERSIONS, name) ? TLS_VERSIONS[name as TlsVersionName] : undefined;
}

/**
 * Go IANA cipher-suite names (crypto/tls `CipherSuites()` + `InsecureCipherSuites()`, which
 * component-base accepts) mapped to OpenSSL names. The TLS 1.3 suites map to `null`: Go ignores them in
 * `Config.CipherSuites` (TLS 1.3 suites are not configurable), and so do we.
 */
const GO_CIPHER_SUITES: ReadonlyMap<string, string | null> = new Map<string, string | null>([
  ['TLS_RSA_WITH_RC4_128_SHA', 'RC4-SHA'],
  ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'DES-CBC3-SHA'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'ECDHE-ECDSA-RC4-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'ECDHE-RSA-RC4-SHA'],
  ['TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'ECDHE-RSA-DES-CBC3-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  // Legacy aliases Go still accepts.
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_AES_128_GCM_SHA256', null],
  ['TLS_AES_256_GCM_SHA384', null],
  ['TLS_CHACHA20_POLY1305_SHA256', null],
]);

/** Result of mapping Go cipher-suite names to an OpenSSL `ciphers` string. */
export type CipherMapping = { ok: true; ciphers: string | undefined } | { ok: false; message: string };

/**
 * Maps Go cipher names to Node's `ciphers` option. An empty list keeps Node's defaults (as an empty
 * `--tls-cipher-suites` keeps Go's). Node's TLS 1.3 suites are always kept: Node disables TLS 1.3 when
 * the `ciphers` string names no TLS 1.3 suite, and Go never lets the TLS 1.3 suites be configured.
 */
export function ciphersFromGoNames(names: readonly string[]): CipherMapping {
  if (names.length === 0) return { ok: true, ciphers: undefined };
  const available = new Set(tls.getCiphers().map((c) => c.toUpperCase()));
  const openssl: string[] = [];
  for (const name of names) {
    if (!GO_CIPHER_SUITES.has(name)) {
      return { ok: false, message: `Cipher suite ${name} not supported or doesn't exist` };
    }
    const mapped = GO_CIPHER_SUITES.get(name);
    if (mapped === null || mapped === undefined) continue;
    if (!available.has(mapped)) {
      return {
        ok: false,
        message: `cipher suite ${name} (${mapped}) is not available in this Node.js OpenSSL build`,
      };
    }
    if (!openssl.includes(mapped)) openssl.push(mapped);
  }
  const tls13 = tls.DEFAULT_CIPHERS.split(':').filter((c) => c.startsWith('TLS_'));
  if (openssl.length === 0) return { ok: true, ciphers: undefined };
  return { ok: true, ciphers: [...tls13, ...openssl].join(':') };
}

/** The Go cipher-suite names we know, for docs and error messages. */
export const GO_CIPHER_SUITE_NAMES: readonly string[] = Object.freeze([...GO_CIPHER_SUITES.keys()]);
