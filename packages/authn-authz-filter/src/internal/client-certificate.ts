import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import type { UserInfo } from '../user-info.ts';
import { withAuthenticatedGroup } from '../user-info.ts';
import type { ClientCaSource } from './client-ca.ts';
import { Lru } from './lru.ts';

const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
const MAX_CHAIN = 8;

interface Verified {
  readonly generation: number;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly user: UserInfo | undefined;
}

function lastOf(v: string | string[] | undefined): string | undefined {
  // Go's pkix.Name keeps the last CommonName it reads; match it for multi-valued subjects.
  if (Array.isArray(v)) return v[v.length - 1];
  return v;
}

function allOf(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function validAt(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/**
 * Verifies TLS client certificates against the configured client CA itself, like the apiserver's x509
 * authenticator: chain to a trusted CA (presented intermediates allowed), validity in time, and the
 * clientAuth extended key usage when the certificate restricts usage. User = CN, groups = O. The
 * server only has to request a certificate (`requestCert: true, rejectUnauthorized: false`); its own
 * verification verdict is not trusted, since the filter's CA can be reloaded independently.
 * Results are memoised per certificate fingerprint and CA generation.
 */
export class ClientCertificateAuthenticator {
  readonly #ca: ClientCaSource;
  readonly #memo = new Lru<Verified>(1024);

  constructor(ca: ClientCaSource) {
    this.#ca = ca;
  }

  /** The verified user, or undefined for no certificate or one that does not verify (then a token is tried). */
  authenticate(
    peer: PeerCertificate | DetailedPeerCertificate | undefined | null,
    nowMs: number = Date.now(),
  ): UserInfo | undefined {
    if (peer === undefined || peer === null || !Buffer.isBuffer(peer.raw) || peer.raw.length === 0)
      return undefined;
    const { certs, generation } = this.#ca.current();
    const key = peer.fingerprint256;
    const memo = typeof key === 'string' && key !== '' ? this.#memo.get(key) : undefined;
    if (memo !== undefined && memo.generation === generation) {
      return memo.notBefore <= nowMs && nowMs <= memo.notAfter ? memo.user : undefined;
    }
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(peer.raw);
    } catch {
      return undefined;
    }
    const chained = chainsTo(leaf, intermediatesOf(peer), certs, nowMs);
    const user = chained && hasClientAuth(leaf) ? userOf(peer) : undefined;
    if (typeof key === 'string' && key !== '') {
      this.#memo.set(key, {
        generation,
        notBefore: Date.parse(leaf.validFrom),
        notAfter: Date.parse(leaf.validTo),
        user,
      });
    }
    return validAt(leaf, nowMs) ? user : undefined;
  }
}

function userOf(peer: PeerCertificate): UserInfo | undefined {
  const subject = peer.subject as unknown as Record<string, string | string[] | undefined> | undefined;
  const cn = lastOf(subject?.['CN']);
  // The apiserver treats a certificate without a CommonName as no credentials.
  if (cn === undefined || cn === '') return undefined;
  const groups = allOf(subject?.['O']);
  return { username: cn, groups: withAuthenticatedGroup(groups, cn), authenticatedBy: 'client-certificate' };
}

function hasClientAuth(cert: X509Certificate): boolean {
  const eku = cert.keyUsage as string[] | undefined;
  if (eku === undefined || eku.length === 0) return true;
  return eku.includes(CLIENT_AUTH_EKU) || eku.includes(ANY_EKU);
}

function intermediatesOf(peer: PeerCertificate | DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  let next = (peer as Partial<DetailedPeerCertificate>).issuerCertificate;
  let seen = peer.fingerprint256;
  for (let i = 0; next !== undefined && i < MAX_CHAIN; i++) {
    // Node ends the chain with a certificate that is its own issuer.
    if (next.fingerprint256 === seen) break;
    try {
      out.push(new X509Certificate(next.raw));
    } catch {
      break;
    }
    seen = next.fingerprint256;
    next = next.issuerCertificate;
  }
  return out;
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function chainsTo(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  now: number,
): boolean {
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    for (const root of roots) if (validAt(root, now) && signedBy(current, root)) return true;
    const up = intermediates.find((c) => c !== current && c.ca && validAt(c, now) && signedBy(current, c));
    if (up === undefined) return false;
    current = up;
  }
  return false;
}
