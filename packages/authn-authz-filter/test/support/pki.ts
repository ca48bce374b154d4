import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

/**
 * Test PKI through the openssl CLI (EC P-256): a CA, and leaf certificates it signs. Only for tests:
 * the package itself never generates certificates.
 */
export function createCa(cn: string): KeyPair {
  return withDir((d) => {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      join(d, 'k.pem'),
      '-out',
      join(d, 'c.pem'),
    ]);
    return {
      certPem: readFileSync(join(d, 'c.pem'), 'utf8'),
      keyPem: readFileSync(join(d, 'k.pem'), 'utf8'),
    };
  });
}

/** A leaf signed by `ca`; `subject` like `/CN=alice/O=devs/O=ops`. */
export function issue(
  ca: KeyPair,
  subject: string,
  opts: { eku?: string; days?: number; san?: string } = {},
): KeyPair {
  return withDir((d) => {
    writeFileSync(join(d, 'ca.pem'), ca.certPem);
    writeFileSync(join(d, 'ca.key'), ca.keyPem);
    openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      join(d, 'k.pem'),
      '-out',
      join(d, 'r.csr'),
    ]);
    const ext = [`extendedKeyUsage=${opts.eku ?? 'clientAuth'}`, 'basicConstraints=CA:FALSE'];
    if (opts.san !== undefined) ext.push(`subjectAltName=${opts.san}`);
    writeFileSync(join(d, 'ext.cnf'), ext.join('\n') + '\n');
    openssl([
      'x509',
      '-req',
      '-in',
      join(d, 'r.csr'),
      '-CA',
      join(d, 'ca.pem'),
      '-CAkey',
      join(d, 'ca.key'),
      '-CAcreateserial',
      '-days',
      String(opts.days ?? 1),
      '-extfile',
      join(d, 'ext.cnf'),
      '-out',
      join(d, 'c.pem'),
    ]);
    return {
      certPem: readFileSync(join(d, 'c.pem'), 'utf8'),
      keyPem: readFileSync(join(d, 'k.pem'), 'utf8'),
    };
  });
}

/** A serving certificate for 127.0.0.1 / localhost. */
export function servingCert(): KeyPair {
  const ca = createCa('test-serving-ca');
  return issue(ca, '/CN=localhost', { eku: 'serverAuth', san: 'IP:127.0.0.1,DNS:localhost' });
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function withDir<T>(f: (dir: string) => T): T {
  const d = mkdtempSync(join(tmpdir(), 'kubediag-pki-'));
  try {
    return f(d);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
