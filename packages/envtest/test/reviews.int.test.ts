import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig as KubeConfigClass,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  applyManifest,
  bindAuthDelegator,
  bindClusterRole,
  createClusterRole,
  createNamespace,
  createServiceAccount,
  createToken,
  deleteServiceAccount,
  startControlPlane,
  uniqueName,
  useControlPlane,
  type ControlPlane,
} from '../src/index.ts';

async function tokenReview(kc: KubeConfig, token: string, audiences?: string[]) {
  const api = kc.makeApiClient(AuthenticationV1Api);
  const res = await api.createTokenReview({ body: { spec: { token, ...(audiences ? { audiences } : {}) } } });
  return res.status ?? {};
}

async function sar(
  kc: KubeConfig,
  user: string,
  groups: string[],
  path: string,
  verb: string,
): Promise<boolean> {
  const api = kc.makeApiClient(AuthorizationV1Api);
  const res = await api.createSubjectAccessReview({
    body: { spec: { user, groups, nonResourceAttributes: { path, verb } } },
  });
  return res.status?.allowed === true;
}

describe('integration: the real apiserver behind the global control plane', () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  let ns: string;
  beforeAll(async () => {
    cp = await useControlPlane();
    kc = cp.kubeConfig;
    ns = await createNamespace(kc);
  });

  it('authenticates a ServiceAccount token through TokenReview', async () => {
    const sa = await createServiceAccount(kc, ns, 'scraper');
    const token = await createToken(kc, ns, sa, { expirationSeconds: 600 });
    const status = await tokenReview(kc, token);
    expect(status.authenticated).toBe(true);
    expect(status.user?.username).toBe(`system:serviceaccount:${ns}:scraper`);
    expect(status.user?.groups).toEqual(
      expect.arrayContaining([
        'system:serviceaccounts',
        `system:serviceaccounts:${ns}`,
        'system:authenticated',
      ]),
    );
  });

  it('honours TokenRequest audiences', async () => {
    await createServiceAccount(kc, ns, 'aud');
    const token = await createToken(kc, ns, 'aud', { audiences: ['kubediag-test'] });
    expect((await tokenReview(kc, token, ['kubediag-test'])).authenticated).toBe(true);
    const other = await tokenReview(kc, token, ['someone-else']);
    // The apiserver omits authenticated when false (omitempty) and says why in status.error.
    expect(other.authenticated).toBeUndefined();
    expect(other.error).toMatch(/audience|invalid/i);
    // Default audiences (the issuer) do not accept a token minted for another audience.
    expect((await tokenReview(kc, token)).authenticated).toBeUndefined();
  });

  it('stops authenticating a token once its ServiceAccount is deleted', async () => {
    await createServiceAccount(kc, ns, 'doomed');
    const token = await createToken(kc, ns, 'doomed');
    expect((await tokenReview(kc, token)).authenticated).toBe(true);
    await deleteServiceAccount(kc, ns, 'doomed');
    // kube-apiserver caches successful token authentications for 10 s, so the delete shows within ~10 s.
    await expect
      .poll(async () => (await tokenReview(kc, token)).authenticated === true, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(false);
    const status = await tokenReview(kc, token);
    expect(status.user?.username ?? '').toBe('');
    expect(status.error).toMatch(/doomed|not found|deleted/i);
  });

  it('rejects a garbage token', async () => {
    const status = await tokenReview(kc, 'not-a-token');
    expect(status.authenticated).toBeUndefined();
    expect(status.user?.username ?? '').toBe('');
  });

  it('allows get /metrics and denies put /debug/flags/v for a ServiceAccount bound to nonResourceURLs /metrics', async () => {
    const sa = await createServiceAccount(kc, ns, 'metrics-reader');
    const role = await createClusterRole(kc, uniqueName('metrics-reader'), [
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    await bindClusterRole(kc, role, { ns, sa });
    const user = `system:serviceaccount:${ns}:${sa}`;
    const groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];
    await expect.poll(() => sar(kc, user, groups, '/metrics', 'get')).toBe(true);
    expect(await sar(kc, user, groups, '/debug/flags/v', 'put')).toBe(false);
    expect(await sar(kc, user, groups, '/metrics', 'put')).toBe(false);
    // An identity with no binding is denied.
    expect(await sar(kc, `system:serviceaccount:${ns}:nobody`, groups, '/metrics', 'get')).toBe(false);
  });

  it('matches /debug/pprof/* against /debug/pprof/heap but not /debug/pprof', async () => {
    const sa = await createServiceAccount(kc, ns, 'profiler');
    const role = await createClusterRole(kc, uniqueName('profiler'), [
      { nonResourceURLs: ['/debug/pprof/*'], verbs: ['get'] },
    ]);
    await bindClusterRole(kc, role, { ns, sa });
    const user = `system:serviceaccount:${ns}:${sa}`;
    const groups = ['system:serviceaccounts'];
    await expect.poll(() => sar(kc, user, groups, '/debug/pprof/heap', 'get')).toBe(true);
    expect(await sar(kc, user, groups, '/debug/pprof/profile', 'get')).toBe(true);
    expect(await sar(kc, user, groups, '/debug/pprof', 'get')).toBe(false);
    expect(await sar(kc, user, groups, '/debug/pprofx', 'get')).toBe(false);
  });

  it('lets a ServiceAccount bound to system:auth-delegator create TokenReviews and SubjectAccessReviews', async () => {
    const sa = await createServiceAccount(kc, ns, 'operator');
    await bindAuthDelegator(kc, { ns, sa });
    const operatorToken = await createToken(kc, ns, sa);
    const operator = new KubeConfigClass();
    operator.loadFromOptions({
      clusters: [{ name: 'c', server: cp.url, caData: Buffer.from(cp.caPem).toString('base64') }],
      users: [{ name: 'u', token: operatorToken }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect.poll(async () => (await tokenReview(operator, operatorToken)).authenticated).toBe(true);
    expect(await sar(operator, 'someone', [], '/metrics', 'get')).toBe(false);
    // Without the binding, the same request is forbidden.
    await createServiceAccount(kc, ns, 'not-delegated');
    const plainToken = await createToken(kc, ns, 'not-delegated');
    const plain = new KubeConfigClass();
    plain.loadFromOptions({
      clusters: [{ name: 'c', server: cp.url, caData: Buffer.from(cp.caPem).toString('base64') }],
      users: [{ name: 'u', token: plainToken }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect(tokenReview(plain, plainToken)).rejects.toMatchObject({ code: 403 });
  });

  it('records TokenReviews and SubjectAccessReviews in the audit log, and nothing else', async () => {
    const before = await cp.readAuditEvents();
    await tokenReview(kc, 'audit-probe');
    await sar(kc, 'audit-user', [], '/metrics', 'get');
    await expect
      .poll(async () => (await cp.readAuditEvents()).length - before.length, { timeout: 10_000 })
      .toBe(2);
    const events = (await cp.readAuditEvents()).slice(before.length);
    expect(events.map((e) => e.objectRef?.resource)).toEqual(['tokenreviews', 'subjectaccessreviews']);
    expect(events.every((e) => e.user.username === 'kubediag-admin' && e.stage === 'ResponseComplete')).toBe(
      true,
    );
    const all = await cp.readAuditEvents();
    expect(new Set(all.map((e) => e.objectRef?.resource))).toEqual(
      new Set(['tokenreviews', 'subjectaccessreviews']),
    );
  });

  it('issues client certificates the apiserver maps to user and groups', async () => {
    const cert = await cp.issueClientCertificate('alice', ['team-a', 'team-b']);
    const alice = new KubeConfigClass();
    alice.loadFromOptions({
      clusters: [{ name: 'c', server: cp.url, caData: Buffer.from(cp.caPem).toString('base64') }],
      users: [
        {
          name: 'alice',
          certData: Buffer.from(cert.certPem).toString('base64'),
          keyData: Buffer.from(cert.keyPem).toString('base64'),
        },
      ],
      contexts: [{ name: 'x', cluster: 'c', user: 'alice' }],
      currentContext: 'x',
    });
    const res = await alice.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(res.status?.userInfo?.username).toBe('alice');
    expect(res.status?.userInfo?.groups).toEqual(
      expect.arrayContaining(['team-a', 'team-b', 'system:authenticated']),
    );
  });

  it('applies a multi-document manifest and re-applies it as a patch', async () => {
    const name = uniqueName('cm');
    const manifest = (value: string): string => `
apiVersion: v1
kind: ConfigMap
metadata: { name: ${name}, namespace: ${ns} }
data: { key: ${value} }
---
# an empty document is skipped
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: ${name}, namespace: ${ns} }
`;
    const first = await applyManifest(kc, manifest('one'));
    expect(first.map((o) => o.kind)).toEqual(['ConfigMap', 'ServiceAccount']);
    const second = await applyManifest(kc, manifest('two'));
    expect((second[0] as { data?: Record<string, string> }).data).toEqual({ key: 'two' });
  });

  it('reports apiserver refusals as KDIAG_ENVTEST_FIXTURE_FAILED with the status', async () => {
    await expect(createServiceAccount(kc, 'no-such-namespace-xyz', 'x')).rejects.toMatchObject({
      code: 'KDIAG_ENVTEST_FIXTURE_FAILED',
      message: expect.stringMatching(
        /^create serviceaccount no-such-namespace-xyz\/x: HTTP 404 NotFound: /,
      ) as unknown,
    });
  });
});

describe('integration: an existing cluster behind the same API', () => {
  it('borrows the KUBECONFIG cluster and cleans up only what it created', async () => {
    const global = await useControlPlane();
    vi.stubEnv('KUBECONFIG', global.kubeconfigPath);
    try {
      const borrowed = await startControlPlane({ useExistingCluster: true });
      expect(borrowed.owned).toBe(false);
      expect(borrowed.url).toBe(global.url);
      expect(borrowed.caPem).toBe(global.caPem);
      expect(borrowed.kubeconfigPath).toBe(global.kubeconfigPath);
      const ns = await createNamespace(borrowed.kubeConfig);
      expect(ns).toMatch(/^kubediag-test-/);
      await expect(borrowed.issueClientCertificate('x')).rejects.toMatchObject({
        code: 'KDIAG_ENVTEST_UNSUPPORTED',
      });
      await borrowed.stop();
      expect(existsSync(borrowed.dir)).toBe(false);
      expect(existsSync(global.kubeconfigPath)).toBe(true);
      const again = await global.kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: ns });
      expect(again.metadata?.name).toBe(ns);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('fails clearly when KUBECONFIG names no readable file', async () => {
    vi.stubEnv('KUBECONFIG', '/nonexistent/kubeconfig');
    try {
      await expect(startControlPlane({ useExistingCluster: true })).rejects.toMatchObject({
        code: 'KDIAG_ENVTEST_EXISTING_CLUSTER',
        message: expect.stringContaining('cannot read kubeconfig /nonexistent/kubeconfig') as unknown,
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
