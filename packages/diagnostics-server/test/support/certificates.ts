import { X509Certificate } from 'node:crypto';
import { createTestCertificateAuthority } from '@kubediag/envtest';

/** A serving pair for a cert dir, with the CA a client trusts it through and the leaf's fingerprint. */
export interface ServingPair {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
  /** Node's `AA:BB:...` form, as `getPeerCertificate().fingerprint256` gives it. */
  readonly fingerprint256: string;
}

/** A pair for `localhost` and `127.0.0.1`, each from a CA of its own (a rotation may change the CA too). */
export async function servingPair(): Promise<ServingPair> {
  const ca = await createTestCertificateAuthority('kubediag-serving-ca');
  const leaf = await ca.issue(
    { commonName: 'localhost' },
    { usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
  );
  return { ...leaf, caPem: ca.certPem, fingerprint256: new X509Certificate(leaf.certPem).fingerprint256 };
}
