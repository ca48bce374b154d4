import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa, generateControlPlanePki, importCa, issueClientCertificate } from '../src/internal/pki.ts';

describe('unit: PKI', () => {
  it('issues a serving certificate for 127.0.0.1 and localhost signed by the serving CA', async () => {
    const pki = await generateControlPlanePki();
    const ca = new X509Certificate(pki.servingCa.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    expect(ca.ca).toBe(true);
    expect(serving.ca).toBe(false);
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('localhost')).toBe('localhost');
    expect(serving.checkIP('10.1.2.3')).toBeUndefined();
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    // The admin identity is a client certificate from the other CA: the apiserver reads CN as user, O as groups.
    const admin = new X509Certificate(pki.admin.certPem);
    expect(admin.verify(new X509Certificate(pki.clientCa.certPem).publicKey)).toBe(true);
    expect(admin.verify(ca.publicKey)).toBe(false);
    expect(admin.subject).toBe('CN=kubediag-admin\nO=system:masters');
    expect(pki.serviceAccount.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pki.serviceAccount.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('keeps user and group names with commas and plus signs intact (no DN string escaping)', async () => {
    const ca = await createCa('test-ca');
    const cert = await issueClientCertificate(ca, 'alice,admin', ['g+1', 'g2']);
    const subject = new X509Certificate(cert.certPem).subject;
    expect(subject).toBe('CN=alice\\,admin\nO=g\\+1\nO=g2');
  });

  it('re-imports a CA from PEM and issues certificates the original verifies', async () => {
    const ca = await createCa('test-ca');
    const again = await importCa(ca.certPem, ca.keyPem);
    const cert = await issueClientCertificate(again, 'bob');
    expect(new X509Certificate(cert.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });
});
