// @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 needs a WebCrypto provider; Node's is complete (ECDSA P-256 included).
x509.cryptoProvider.set(webcrypto);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
// Test PKI lives as long as a test run; a week bounds the damage of a leaked temp dir, like envtest's tiny CA.
const VALIDITY_MS = 7 * 24 * 3600 * 1000;
// Tolerates clock skew between the harness and the apiserver (same host, but cheap).
const BACKDATE_MS = 3600 * 1000;

/** A certificate with its key pair. */
export interface KeyedCertificate {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly certPem: string;
  readonly keyPem: string;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive, as RFC 5280 requires
  return bytes.toString('hex');
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function publicKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('spki', key);
  return x509.PemConverter.encode(der, 'PUBLIC KEY');
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + VALIDITY_MS) };
}

async function keyed(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<KeyedCertificate> {
  return { cert, keys, certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** A self-signed CA certificate named `commonName`. */
export async function createCa(commonName: string): Promise<KeyedCertificate> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [commonName] }, { O: ['kubediag-envtest'] }],
    ...validity(),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return keyed(cert, keys);
}

/** Subject and usage of a leaf certificate. */
export interface LeafSpec {
  /** Subject as a JSON name, e.g. `[{ CN: ['admin'] }, { O: ['system:masters'] }]` (no DN escaping needed). */
  readonly subject: x509.JsonName;
  readonly usage: 'server' | 'client';
  /** Subject alternative names for server certificates. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Validity; by default from an hour ago for a week. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A leaf certificate signed by `ca`. */
export async function issueLeaf(ca: KeyedCertificate, spec: LeafSpec): Promise<KeyedCertificate> {
  const keys = await generateKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      [spec.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  const names = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: spec.subject,
    issuer: ca.cert.subjectName,
    ...validity(),
    ...(spec.notBefore === undefined ? {} : { notBefore: spec.notBefore }),
    ...(spec.notAfter === undefined ? {} : { notAfter: spec.notAfter }),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
  return keyed(cert, keys);
}

/** A client certificate the apiserver maps to user `user` (CN) in `groups` (O, one each). */
export async function issueClientCertificate(
  ca: KeyedCertificate,
  user: string,
  groups: readonly string[] = [],
): Promise<{ certPem: string; keyPem: string }> {
  const subject: x509.JsonName = [{ CN: [user] }];
  // One RDN per group keeps every O value a separate organization, which is how the apiserver reads groups.
  for (const g of groups) subject.push({ O: [g] });
  const leaf = await issueLeaf(ca, { subject, usage: 'client' });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem };
}

/** Loads a CA from PEMs (a worker re-creates the global control plane's client CA this way). */
export async function importCa(certPem: string, keyPem: string): Promise<KeyedCertificate> {
  const cert = new x509.X509Certificate(certPem);
  const der = x509.PemConverter.decodeFirst(keyPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', cert.publicKey.rawData, EC_ALGORITHM, true, [
    'verify',
  ]);
  return { cert, keys: { privateKey, publicKey }, certPem, keyPem };
}

/** The whole PKI of one control plane. */
export interface ControlPlanePki {
  readonly servingCa: KeyedCertificate;
  readonly serving: KeyedCertificate;
  readonly clientCa: KeyedCertificate;
  readonly admin: { certPem: string; keyPem: string };
  readonly serviceAccount: { readonly publicKeyPem: string; readonly privateKeyPem: string };
}

/** The admin identity of the harness: RBAC's bootstrap cluster-admin binding makes system:masters superuser. */
export const ADMIN_USER = 'kubediag-admin';
export const ADMIN_GROUP = 'system:masters';

/** Generates a serving CA + cert (127.0.0.1, localhost), a client CA + admin cert and an SA signing key pair. */
export async function generateControlPlanePki(): Promise<ControlPlanePki> {
  const [servingCa, clientCa, saKeys] = await Promise.all([
    createCa('kubediag-envtest-serving-ca'),
    createCa('kubediag-envtest-client-ca'),
    generateKeys(),
  ]);
  const [serving, admin, saPublic, saPrivate] = await Promise.all([
    issueLeaf(servingCa, {
      subject: [{ CN: ['kube-apiserver'] }],
      usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.0.0.1'],
    }),
    issueClientCertificate(clientCa, ADMIN_USER, [ADMIN_GROUP]),
    publicKeyPem(saKeys.publicKey),
    privateKeyPem(saKeys.privateKey),
  ]);
  return {
    servingCa,
    serving,
    clientCa,
    admin,
    serviceAccount: { publicKeyPem: saPublic, privateKeyPem: saPrivate },
  };
}
