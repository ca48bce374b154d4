import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthnAuthzErrorCode } from '../src/errors.ts';
import { fileClientCa, parseCaBundle, staticClientCa } from '../src/internal/client-ca.ts';
import { filterWith } from '../src/filter.ts';
import { getRequestUser } from '../src/user-info.ts';
import { recordingLogger, testCore } from './support/fakes.ts';
import {
  createTestCertificateAuthority,
  type TestCertificateAuthority,
  type TestCertificateSubject,
} from '@kubediag/envtest';
import { listenTls, requestTls } from './support/tls.ts';
import { waitFor } from './support/wait.ts';

let trusted: TestCertificateAuthority;
let other: TestCertificateAuthority;
let dir: string;
const alice: TestCertificateSubject = { commonName: 'alice' };
const masters: TestCertificateSubject = { commonName: 'admin', organizations: ['system:masters'] };
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  trusted = await createTestCertificateAuthority('trusted-client-ca');
  other = await createTestCertificateAuthority('unknown-client-ca');
  dir = mkdtempSync(join(tmpdir(), 'kubediag-ca-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function serve(clientCa: ReturnType<typeof staticClientCa>, tokenUser?: boolean) {
  const t = testCore({}, { clientCa });
  if (tokenUser === true) t.reviews.user('tok', 'token-user').allow('token-user', 'get', '/metrics');
  t.reviews.allow('alice', 'get', '/metrics');
  const srv = await listenTls(
    filterWith(t.core, recordingLogger(), (req, res) => {
      res.end(JSON.stringify(getRequestUser(req)));
    }),
  );
  closers.push(srv.close, () => t.core.close());
  return { ...t, url: srv.url };
}

describe('client certificates', () => {
  it('authenticates a certificate of the client CA as CN with O as groups', async () => {
    const { url, reviews } = await serve(staticClientCa(trusted.certPem));
    const res = await requestTls(`${url}/metrics`, {
      clientCert: await trusted.issue({ commonName: 'alice', organizations: ['devs', 'ops'] }),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      username: 'alice',
      groups: ['devs', 'ops', 'system:authenticated'],
      authenticatedBy: 'client-certificate',
    });
    expect(reviews.tokenCalls).toHaveLength(0);
    expect(reviews.sarCalls[0]).toMatchObject({
      user: 'alice',
      groups: ['devs', 'ops', 'system:authenticated'],
    });
  });

  it('lets system:masters through without a SubjectAccessReview', async () => {
    const { url, reviews } = await serve(staticClientCa(trusted.certPem));
    const res = await requestTls(`${url}/debug/flags/v`, {
      method: 'PUT',
      clientCert: await trusted.issue(masters),
    });
    expect(res.status).toBe(200);
    expect(reviews.sarCalls).toHaveLength(0);
  });

  it('answers 401 for a certificate from an unknown CA', async () => {
    const { url } = await serve(staticClientCa(trusted.certPem));
    const res = await requestTls(`${url}/metrics`, {
      clientCert: await other.issue({ commonName: 'alice', organizations: ['system:masters'] }),
    });
    expect([res.status, res.body]).toEqual([401, 'Unauthorized\n']);
  });

  it('rejects a certificate without the clientAuth usage, and one without a CommonName', async () => {
    const { url } = await serve(staticClientCa(trusted.certPem));
    expect(
      (await requestTls(`${url}/metrics`, { clientCert: await trusted.issue(alice, { usage: 'server' }) }))
        .status,
    ).toBe(401);
    expect(
      (
        await requestTls(`${url}/metrics`, {
          clientCert: await trusted.issue({ organizations: ['system:masters'] }),
        })
      ).status,
    ).toBe(401);
  });

  it('answers 401 for an expired certificate and for one not valid yet', async () => {
    const { url } = await serve(staticClientCa(trusted.certPem));
    const day = 86_400_000;
    const expired = await trusted.issue(masters, {
      notBefore: new Date(Date.now() - 2 * day),
      notAfter: new Date(Date.now() - day),
    });
    const early = await trusted.issue(masters, {
      notBefore: new Date(Date.now() + day),
      notAfter: new Date(Date.now() + 2 * day),
    });
    expect((await requestTls(`${url}/metrics`, { clientCert: expired })).status).toBe(401);
    expect((await requestTls(`${url}/metrics`, { clientCert: early })).status).toBe(401);
  });

  it('falls back to the bearer token when the certificate does not verify', async () => {
    const { url } = await serve(staticClientCa(trusted.certPem), true);
    const res = await requestTls(`${url}/metrics`, {
      clientCert: await other.issue(alice),
      headers: { Authorization: 'Bearer tok' },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ username: 'token-user' });
  });

  it('ignores client certificates when no client CA is configured', async () => {
    const t = testCore();
    const srv = await listenTls(filterWith(t.core, recordingLogger(), (_req, res) => void res.end('x')));
    closers.push(srv.close);
    expect(
      (await requestTls(`${srv.url}/metrics`, { clientCert: await trusted.issue(masters) })).status,
    ).toBe(401);
  });

  it('reloads clientCAFile when it changes (atomic replace) and keeps the old CA when the new file is bad', async () => {
    const file = join(dir, 'ca.crt');
    writeFileSync(file, trusted.certPem);
    const log = recordingLogger();
    const ca = fileClientCa(file, 20, log);
    const { url } = await serve(ca);
    const fromOther = await other.issue(alice);
    expect((await requestTls(`${url}/metrics`, { clientCert: fromOther })).status).toBe(401);

    writeFileSync(`${file}.tmp`, 'garbage');
    renameSync(`${file}.tmp`, file);
    await waitFor(() =>
      log.lines.some((l) => l.level === 'error' && l.msg.includes('keeping the previous client CA')),
    );
    expect(ca.current().generation).toBe(1);

    writeFileSync(`${file}.tmp`, other.certPem);
    renameSync(`${file}.tmp`, file);
    await waitFor(() => ca.current().generation === 2);
    expect((await requestTls(`${url}/metrics`, { clientCert: fromOther })).status).toBe(200);
    expect((await requestTls(`${url}/metrics`, { clientCert: await trusted.issue(alice) })).status).toBe(401);
  });

  it('refuses to start with an unusable client CA', () => {
    expect(() => parseCaBundle('nothing here', 'clientCA')).toThrow(
      expect.objectContaining({ code: AuthnAuthzErrorCode.CLIENT_CA }),
    );
    expect(() => fileClientCa(join(dir, 'missing.pem'), 0, recordingLogger())).toThrow(
      /cannot read clientCAFile/,
    );
  });
});
