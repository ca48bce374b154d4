import type { ControlPlane } from '@kubediag/envtest';
import {
  bindAuthDelegator,
  createServiceAccount,
  createTestCertificateAuthority,
  createToken,
  deleteServiceAccount,
  useControlPlane,
} from '@kubediag/envtest';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import type { AuthnAuthzOptions } from '../src/options.ts';
import { getRequestUser } from '../src/user-info.ts';
import { setupDiagnosticsIdentities, tokenKubeConfig, type DiagnosticsIdentities } from '@kubediag/envtest';
import { recordingLogger } from './support/fakes.ts';
import { listenTls, requestTls } from './support/tls.ts';

let cp: ControlPlane;
let ids: DiagnosticsIdentities;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cp = await useControlPlane();
  ids = await setupDiagnosticsIdentities(cp);
});
afterAll(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

/** The filter in front of a tiny handler on an HTTPS server that requests client certificates. */
async function serve(options: AuthnAuthzOptions = {}, kubeConfig: unknown = ids.operatorKc) {
  const logger = recordingLogger();
  const registry = new Registry();
  const closable = await withAuthenticationAndAuthorization({ clientCA: cp.clientCaPem, ...options })({
    logger,
    registry,
    kubeConfig,
  });
  closers.push(() => closable.close());
  const srv = await listenTls(
    closable.filter(logger, (req, res) => {
      res.setHeader('X-User', getRequestUser(req)?.username ?? '');
      res.end('ok\n');
    }),
  );
  closers.push(srv.close);
  const get = (path: string, init: Parameters<typeof requestTls>[1] = {}) =>
    requestTls(`${srv.url}${path}`, init);
  const bearer = (token: string, path = '/metrics', method = 'GET') =>
    get(path, { method, headers: { Authorization: `Bearer ${token}` } });
  return { get, bearer, logger, registry };
}

describe('against a real kube-apiserver', () => {
  it('answers 401 Unauthorized without an Authorization header', async () => {
    const s = await serve();
    const res = await s.get('/metrics');
    expect([res.status, res.body, res.headers['content-type']]).toEqual([
      401,
      'Unauthorized\n',
      'text/plain; charset=utf-8',
    ]);
  });

  it('answers 401 for an empty bearer token', async () => {
    const s = await serve();
    expect((await s.get('/metrics', { headers: { Authorization: 'Bearer ' } })).status).toBe(401);
    expect(
      (await s.get('/metrics', { headers: { Authorization: `Bearer  ${ids.readerToken}` } })).status,
    ).toBe(401);
  });

  it('accepts a lowercase bearer scheme', async () => {
    const s = await serve();
    const res = await s.get('/metrics', { headers: { Authorization: `bearer ${ids.readerToken}` } });
    expect([res.status, res.body, res.headers['x-user']]).toEqual([200, 'ok\n', ids.readerUser]);
  });

  it('answers 401 (not 500) for a garbage token', async () => {
    const s = await serve();
    expect(await s.bearer('not-a-jwt')).toMatchObject({ status: 401, body: 'Unauthorized\n' });
    expect(await s.bearer('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toMatchObject({ status: 401 });
  });

  it('answers 401 for the token of a deleted ServiceAccount', async () => {
    const admin = cp.kubeConfig;
    await createServiceAccount(admin, ids.ns, 'doomed');
    const token = await createToken(admin, ids.ns, 'doomed');
    await deleteServiceAccount(admin, ids.ns, 'doomed');
    // No token cache: the apiserver's view of the deletion may take a moment to arrive.
    const s = await serve({ tokenCacheTTLMs: 0 });
    let status = 0;
    for (let i = 0; i < 50 && status !== 401; i++) {
      status = (await s.bearer(token)).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
  });

  it('enforces the configured audiences', async () => {
    const s = await serve({ audiences: ['kubediag-diagnostics'] });
    const scoped = await createToken(cp.kubeConfig, ids.ns, 'reader', {
      audiences: ['kubediag-diagnostics'],
    });
    const other = await createToken(cp.kubeConfig, ids.ns, 'reader', { audiences: ['some-other-service'] });
    expect((await s.bearer(scoped)).status).toBe(200);
    expect((await s.bearer(other)).status).toBe(401);
    // A token for the apiserver's default audience is not for us either.
    expect((await s.bearer(ids.readerToken)).status).toBe(401);
  });

  it('answers 403 for a valid token without RBAC and 200 with it', async () => {
    const s = await serve();
    expect(await s.bearer(ids.nobodyToken)).toMatchObject({
      status: 403,
      body: `Authorization denied for user ${ids.nobodyUser}\n`,
    });
    expect(await s.bearer(ids.readerToken)).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('matches /debug/pprof/* like RBAC: sub-paths yes, /debug/pprof itself no', async () => {
    const s = await serve();
    expect((await s.bearer(ids.readerToken, '/debug/pprof/heap')).status).toBe(200);
    expect((await s.bearer(ids.readerToken, '/debug/pprof/profile?seconds=1')).status).toBe(200);
    expect((await s.bearer(ids.readerToken, '/debug/pprof')).status).toBe(403);
  });

  it('authorizes put, not get, on /debug/flags/v (verb = lowercased method)', async () => {
    const s = await serve();
    expect((await s.bearer(ids.readerToken, '/debug/flags/v', 'PUT')).status).toBe(200);
    expect((await s.bearer(ids.readerToken, '/debug/flags/v', 'GET')).status).toBe(403);
  });

  it('serves always-allowed paths without a token', async () => {
    const s = await serve();
    expect((await s.get('/healthz')).status).toBe(200);
    expect((await s.get('/readyz')).status).toBe(200);
  });

  it('lets system:masters in through a client certificate of the apiserver client CA', async () => {
    const s = await serve();
    const admin = await cp.issueClientCertificate('ops-admin', ['system:masters']);
    const res = await s.get('/debug/flags/v', { method: 'PUT', clientCert: admin });
    expect([res.status, res.headers['x-user']]).toEqual([200, 'ops-admin']);
    // A certificate user outside system:masters goes through a real SubjectAccessReview.
    const plain = await cp.issueClientCertificate('cert-user', ['some-team']);
    expect(await s.get('/metrics', { clientCert: plain })).toMatchObject({
      status: 403,
      body: 'Authorization denied for user cert-user\n',
    });
  });

  it('answers 401 for a certificate from an unknown CA', async () => {
    const s = await serve();
    const rogueCa = await createTestCertificateAuthority('rogue-ca');
    const rogue = await rogueCa.issue({ commonName: 'ops-admin', organizations: ['system:masters'] });
    expect(await s.get('/metrics', { clientCert: rogue })).toMatchObject({
      status: 401,
      body: 'Unauthorized\n',
    });
  });

  it('fails closed with 500 and names the missing RBAC when the operator may not create TokenReviews', async () => {
    await createServiceAccount(cp.kubeConfig, ids.ns, 'unprivileged-operator');
    const kc = await tokenKubeConfig(cp, await createToken(cp.kubeConfig, ids.ns, 'unprivileged-operator'));
    const s = await serve({}, kc);
    expect(await s.bearer(ids.readerToken)).toMatchObject({ status: 500, body: 'Authentication failed\n' });
    const line = s.logger.lines.find((l) => l.level === 'error');
    const message = String((line?.err as Error | undefined)?.message);
    expect(message).toContain('lacks RBAC to create tokenreviews.authentication.k8s.io');
    expect(message).toContain('system:auth-delegator');
    expect(message).not.toContain(ids.readerToken);
  });

  it('sends 200 identical cold concurrent requests to the apiserver as exactly one TokenReview and one SubjectAccessReview', async () => {
    // A dedicated operator identity, so the apiserver's audit log counts only this filter's calls.
    const operator = 'burst-operator';
    await createServiceAccount(cp.kubeConfig, ids.ns, operator);
    await bindAuthDelegator(cp.kubeConfig, { ns: ids.ns, sa: operator });
    const kc = await tokenKubeConfig(cp, await createToken(cp.kubeConfig, ids.ns, operator));
    const token = await createToken(cp.kubeConfig, ids.ns, 'reader');
    const s = await serve({}, kc);
    const results = await Promise.all(Array.from({ length: 200 }, () => s.bearer(token, '/metrics')));
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(200));

    const user = `system:serviceaccount:${ids.ns}:${operator}`;
    const count = async () => {
      const events = (await cp.readAuditEvents()).filter(
        (e) => e.user.username === user && e.stage === 'ResponseComplete',
      );
      return {
        tokenreviews: events.filter((e) => e.objectRef?.resource === 'tokenreviews').length,
        subjectaccessreviews: events.filter((e) => e.objectRef?.resource === 'subjectaccessreviews').length,
      };
    };
    // The audit log is written asynchronously; wait until both calls appear, then make sure no more do.
    let seen = await count();
    for (let i = 0; i < 50 && seen.tokenreviews + seen.subjectaccessreviews < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await count();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await count()).toEqual({ tokenreviews: 1, subjectaccessreviews: 1 });
    const metrics = await s.registry.metrics();
    expect(metrics).toContain('kubediag_authn_authz_decisions_total{result="allowed"} 200');
    expect(metrics).toContain(
      'kubediag_authn_authz_review_duration_seconds_count{review="token",outcome="success"} 1',
    );
  });
});
