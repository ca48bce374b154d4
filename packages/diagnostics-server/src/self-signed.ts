import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  implicit,
  octetString,
  oid,
  sequence,
  set,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from './internal/der.ts';

/** An in-memory serving certificate. Nothing is written to disk. */
export interface GeneratedCertificate {
  /** The leaf followed by its CA, as the server presents it. */
  readonly certPem: string;
  /** PKCS#8 private key of the leaf. */
  readonly keyPem: string;
  /** The CA that signed the leaf: give it to clients as `ca_file` / `--cacert`. */
  readonly caPem: string;
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const OID_CN = '2.5.4.3';

function name(cn: string): Buffer {
  return sequence(set(sequence(oid(OID_CN), utf8String(cn))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand `::` then pack 8 groups.
  const [head = '', tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function subjectKeyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

interface CertSpec {
  subject: string;
  issuer: string;
  spki: Buffer;
  signer: KeyObject;
  issuerKeyId: Buffer;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  names: readonly string[];
}

function buildCertificate(spec: CertSpec): string {
  const keyId = subjectKeyId(spec.spki);
  const exts: Buffer[] = [
    // keyUsage: digitalSignature (bit 0) for the leaf; + keyCertSign (bit 5) for the CA.
    extension(
      '2.5.29.15',
      true,
      spec.ca ? tlv(0x03, Buffer.from([0x02, 0x84])) : tlv(0x03, Buffer.from([0x07, 0x80])),
    ),
    extension('2.5.29.19', true, spec.ca ? sequence(boolean(true)) : sequence()),
    extension('2.5.29.14', false, octetString(keyId)),
    extension('2.5.29.35', false, sequence(implicit(0, spec.issuerKeyId))),
  ];
  if (!spec.ca) {
    exts.push(extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))));
    const sans = spec.names.map((n) =>
      isIP(n) === 0 ? implicit(2, Buffer.from(n, 'ascii')) : implicit(7, ipBytes(n)),
    );
    exts.push(extension('2.5.29.17', false, sequence(...sans)));
  }
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = sequence(
    explicit(0, tlv(0x02, Buffer.from([2]))),
    unsignedInteger(serial),
    ECDSA_WITH_SHA256,
    name(spec.issuer),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    spec.spki,
    explicit(3, sequence(...exts)),
  );
  const signature = sign('sha256', tbs, { key: spec.signer, dsaEncoding: 'der' });
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/**
 * Generates an ECDSA P-256 CA and a serving leaf signed by it, like client-go's
 * `GenerateSelfSignedCertKeyWithFixtures` (CA `<host>-ca@<unix>`, leaf `<host>@<unix>`, valid from one
 * hour ago for one year, leaf EKU serverAuth) but with P-256 instead of RSA-2048: a key pair costs about
 * a millisecond, so a fresh certificate on every start is cheap.
 *
 * @param extraNames DNS names or IP addresses added to the SANs after `localhost` and `127.0.0.1`.
 */
export function generateSelfSignedCertificate(extraNames: readonly string[] = []): GeneratedCertificate {
  const now = Date.now();
  const unix = Math.floor(now / 1000);
  const notBefore = new Date(now - 3600_000);
  const notAfter = new Date(now + 365 * 24 * 3600_000);
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caSpki = ca.publicKey.export({ type: 'spki', format: 'der' });
  const leafSpki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  const caId = subjectKeyId(caSpki);
  const caName = `localhost-ca@${unix}`;
  const names = [...new Set(['localhost', '127.0.0.1', ...extraNames])];
  const caPem = buildCertificate({
    subject: caName,
    issuer: caName,
    spki: caSpki,
    signer: ca.privateKey,
    issuerKeyId: caId,
    notBefore,
    notAfter,
    ca: true,
    names: [],
  });
  const leafPem = buildCertificate({
    subject: `localhost@${unix}`,
    issuer: caName,
    spki: leafSpki,
    signer: ca.privateKey,
    issuerKeyId: caId,
    notBefore,
    notAfter,
    ca: false,
    names,
  });
  const keyPem = leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem: leafPem + caPem, keyPem, caPem };
}

/** SHA-256 fingerprint (Node's `AA:BB:...` form) of the first certificate in a PEM bundle. */
export function certificateFingerprint(pem: string | Buffer): string {
  return new X509Certificate(pem).fingerprint256;
}
