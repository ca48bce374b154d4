import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AuthnAuthzErrorCode } from '../src/errors.ts';
import { SERVICE_ACCOUNT_TOKEN_PATH, loadKubeConfig } from '../src/kube-config.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import { recordingLogger } from './support/fakes.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubediag-kc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kubeconfigYaml = (server: string) => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: "${server}", insecure-skip-tls-verify: true }
users:
- name: u
  user: { token: operator-token }
contexts:
- name: ctx
  context: { cluster: c, user: u }
current-context: ctx
`;

describe('kubernetes configuration', () => {
  it('fails with KDIAG_AUTHN_AUTHZ_NO_KUBECONFIG rather than falling back to localhost:8080', async () => {
    await expect(loadKubeConfig({ env: {}, serviceAccountPrefix: dir })).rejects.toMatchObject({
      code: AuthnAuthzErrorCode.NO_KUBECONFIG,
      message: expect.stringContaining('no kubernetes configuration for token and subject access reviews'),
    });
  });

  it('makes the provider fail at start when there is no configuration', async () => {
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
    try {
      const provider = withAuthenticationAndAuthorization();
      await expect(provider({ logger: recordingLogger() })).rejects.toMatchObject({
        code: AuthnAuthzErrorCode.NO_KUBECONFIG,
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('loads KUBECONFIG (first file wins the current context)', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, kubeconfigYaml('https://10.1.2.3:6443'));
    const kc = await loadKubeConfig({ env: { KUBECONFIG: file } });
    expect(kc.getCurrentCluster()?.server).toBe('https://10.1.2.3:6443');
    const opts: { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts);
    expect(opts.headers?.['Authorization']).toBe('Bearer operator-token');
  });

  it('reports an unreadable KUBECONFIG with its path', async () => {
    await expect(loadKubeConfig({ env: { KUBECONFIG: join(dir, 'nope') } })).rejects.toMatchObject({
      code: AuthnAuthzErrorCode.INVALID_KUBECONFIG,
      message: expect.stringContaining('cannot load KUBECONFIG'),
    });
  });

  it('loads the in-cluster service account explicitly when its token is mounted', async () => {
    const sa = join(dir, SERVICE_ACCOUNT_TOKEN_PATH, '..');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), 'unused');
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.96.0.1');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', '443');
    try {
      const kc = await loadKubeConfig({ env: process.env, serviceAccountPrefix: dir });
      expect(kc.getCurrentCluster()?.server).toBe('https://10.96.0.1:443');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('rejects something that is not a KubeConfig', async () => {
    await expect(loadKubeConfig({ kubeConfig: { server: 'x' } })).rejects.toMatchObject({
      code: AuthnAuthzErrorCode.INVALID_KUBECONFIG,
    });
    await expect(
      loadKubeConfig({ kubeConfig: { getCurrentCluster: () => null, applyToHTTPSOptions: async () => {} } }),
    ).rejects.toThrow(/has no current cluster with a server URL/);
  });
});
