// setup/setup.sh chooses the control-plane directory as the harness does (assetsDir), and does not
// build what KUBEDIAG_ASSETS or KUBEBUILDER_ASSETS already provide.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetsDir, SETUP_SCRIPT } from '../src/peers.ts';
import { createFakeAssets, type FakeAssets } from './support/fake-assets.ts';

let assets: FakeAssets;
beforeAll(async () => {
  assets = await createFakeAssets();
});
afterAll(async () => {
  await assets.remove();
});

function setup(
  args: string[],
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/bash', [SETUP_SCRIPT, ...args], { env: assets.env(env), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('unit: setup.sh', () => {
  it.each([
    ['neither variable', () => ({})],
    ['KUBEDIAG_ASSETS', () => ({ KUBEDIAG_ASSETS: assets.empty })],
    ['KUBEBUILDER_ASSETS with the binaries', () => ({ KUBEBUILDER_ASSETS: assets.full })],
    ['KUBEBUILDER_ASSETS without them', () => ({ KUBEBUILDER_ASSETS: assets.empty })],
    ['both', () => ({ KUBEDIAG_ASSETS: assets.empty, KUBEBUILDER_ASSETS: assets.full })],
  ])('--print-dir prints the directory the harness uses: %s', (_name, env: () => Record<string, string>) => {
    const r = setup(['--print-dir'], env());
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(assetsDir(assets.env(env())));
  });

  it('skips the control-plane build when KUBEBUILDER_ASSETS holds kube-apiserver, etcd and kubectl', () => {
    const r = setup(['--only', 'control-plane'], { KUBEBUILDER_ASSETS: assets.full });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(
      `KUBEBUILDER_ASSETS=${assets.full} holds kube-apiserver, etcd and kubectl: using them`,
    );
    expect(r.stderr).toContain(`ready: control plane in ${assets.full}`);
    expect(existsSync(join(assets.cache, 'k8s-v1.35.4'))).toBe(false);
  });

  it('builds into the cache when KUBEBUILDER_ASSETS lacks them (here: fails at once, go refuses)', () => {
    const r = setup(['--only', 'control-plane'], { KUBEBUILDER_ASSETS: assets.empty });
    expect(r.stderr).toContain(
      `KUBEBUILDER_ASSETS=${assets.empty} lacks kube-apiserver, etcd or kubectl: using ${assets.cache}/k8s-v1.35.4`,
    );
    expect(r.status).not.toBe(0);
  });
});
