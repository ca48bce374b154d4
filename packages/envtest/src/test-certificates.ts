import { list, object, string } from '@kubediag/options';
import { createCa, issueLeaf, type KeyedCertificate } from './internal/pki.ts';
import { applyTestCertificateOptions, assertArgument, type TestCertificateOptions } from './options.ts';

/** A PEM certificate and its PKCS#8 private key, each ending in a newline (so bundles concatenate). */
export interface TestKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Who a test certificate names: the apiserver and the filter read CN as the user, each O as a group. */
export interface TestCertificateSubject {
  /** CN; omitted when unset (a certificate without a user, for refusal tests). */
  readonly commonName?: string;
  /** One O per entry. @default [] */
  readonly organizations?: readonly string[];
}

// Empty names are allowed on purpose: tests of how an empty user or group is refused need them.
const SUBJECT = object({
  commonName: string({ allowEmpty: true }),
  organizations: list(string({ allowEmpty: true })),
});

/** A throwaway CA for tests (ECDSA P-256, in memory): its own PEMs, and leaves it signs. */
export interface TestCertificateAuthority extends TestKeyPair {
  issue(subject: TestCertificateSubject, options?: TestCertificateOptions): Promise<TestKeyPair>;
}

/**
 * A test CA made in memory with WebCrypto (no openssl CLI, no files): the one certificate helper of
 * kubediag's tests, for serving certificates, client certificates and client CAs alike.
 *
 * @example
 * const ca = await createTestCertificateAuthority('test-client-ca');
 * const alice = await ca.issue({ commonName: 'alice', organizations: ['devs'] });
 * const serving = await ca.issue({ commonName: 'localhost' }, { usage: 'server', ipAddresses: ['127.0.0.1'] });
 */
export async function createTestCertificateAuthority(
  commonName = 'kubediag-test-ca',
): Promise<TestCertificateAuthority> {
  const ca: KeyedCertificate = await createCa(commonName);
  return {
    certPem: withNewline(ca.certPem),
    keyPem: withNewline(ca.keyPem),
    async issue(subject, options) {
      assertArgument('invalid test certificate subject', SUBJECT, subject, 'subject');
      const o = applyTestCertificateOptions(options);
      const name = [
        ...(subject.commonName === undefined ? [] : [{ CN: [subject.commonName] }]),
        // One RDN per organization keeps each a separate O value, which is how groups are read.
        ...(subject.organizations ?? []).map((org) => ({ O: [org] })),
      ];
      const leaf = await issueLeaf(ca, {
        subject: name,
        usage: o.usage,
        dnsNames: o.dnsNames,
        ipAddresses: o.ipAddresses,
        ...(o.notBefore === undefined ? {} : { notBefore: o.notBefore }),
        ...(o.notAfter === undefined ? {} : { notAfter: o.notAfter }),
      });
      return { certPem: withNewline(leaf.certPem), keyPem: withNewline(leaf.keyPem) };
    },
  };
}

// A bundle of PEMs without line ends between them is refused by Go's PEM reader (Prometheus drops the job).
function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
