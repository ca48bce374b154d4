import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvtestErrorCode, EnvtestError } from '../src/errors.ts';
import { startControlPlane } from '../src/control-plane.ts';
import { assetsDir, findPeer, SETUP_COMMAND } from '../src/peers.ts';

describe('unit: findPeer', () => {
  let empty: string;
  let full: string;
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'kubediag-peers-empty-'));
    full = await mkdtemp(join(tmpdir(), 'kubediag-peers-full-'));
    for (const b of ['kube-apiserver', 'etcd', 'kubectl']) {
      await writeFile(join(full, b), '#!/bin/sh\n');
      await chmod(join(full, b), 0o755);
    }
    await writeFile(join(full, 'otelcol'), 'not executable');
  });
  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
    await rm(full, { recursive: true, force: true });
  });

  it('finds the control-plane binaries in KUBEDIAG_ASSETS', () => {
    expect(findPeer('etcd', { env: { KUBEDIAG_ASSETS: full } })).toBe(join(full, 'etcd'));
    expect(findPeer('kube-apiserver', { dir: full, env: {} })).toBe(join(full, 'kube-apiserver'));
  });

  it('names KUBEDIAG_ASSETS and the setup command when a control-plane binary is missing', () => {
    let err: unknown;
    try {
      findPeer('kube-apiserver', { env: { KUBEDIAG_ASSETS: empty } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvtestError);
    const e = err as EnvtestError;
    expect(e.code).toBe(EnvtestErrorCode.BINARY_NOT_FOUND);
    expect(e.message).toContain('KUBEDIAG_ASSETS');
    expect(e.message).toContain(SETUP_COMMAND);
    expect(e.message).toContain(join(empty, 'kube-apiserver'));
    expect(SETUP_COMMAND).toMatch(/^bash \/.*\/packages\/envtest\/setup\/setup\.sh$/);
  });

  it('looks in the versioned setup cache when KUBEDIAG_ASSETS is unset', () => {
    expect(assetsDir({ KUBEDIAG_CACHE: '/c' })).toBe('/c/k8s-v1.35.4');
    expect(() => findPeer('etcd', { env: { KUBEDIAG_CACHE: empty } })).toThrow(/KUBEDIAG_ASSETS is unset/);
  });

  it("finds the control-plane binaries in KUBEBUILDER_ASSETS (setup-envtest's) when KUBEDIAG_ASSETS is unset", () => {
    expect(assetsDir({ KUBEBUILDER_ASSETS: full })).toBe(full);
    expect(findPeer('kube-apiserver', { env: { KUBEBUILDER_ASSETS: full } })).toBe(
      join(full, 'kube-apiserver'),
    );
  });

  it('prefers KUBEDIAG_ASSETS to KUBEBUILDER_ASSETS', () => {
    expect(assetsDir({ KUBEDIAG_ASSETS: empty, KUBEBUILDER_ASSETS: full })).toBe(empty);
    expect(() => findPeer('etcd', { env: { KUBEDIAG_ASSETS: empty, KUBEBUILDER_ASSETS: full } })).toThrow(
      `no executable at ${join(empty, 'etcd')} (from KUBEDIAG_ASSETS)`,
    );
  });

  it('falls back to the setup cache when KUBEBUILDER_ASSETS lacks a binary, and says so', () => {
    expect(assetsDir({ KUBEBUILDER_ASSETS: empty, KUBEDIAG_CACHE: '/c' })).toBe('/c/k8s-v1.35.4');
    expect(() => findPeer('etcd', { env: { KUBEBUILDER_ASSETS: empty, KUBEDIAG_CACHE: empty } })).toThrow(
      `KUBEBUILDER_ASSETS=${empty} lacks one of kube-apiserver, etcd, kubectl`,
    );
  });

  it('refuses a file that is not executable and names the otelcol setup command', () => {
    expect(() => findPeer('otelcol', { env: { KUBEDIAG_OTELCOL: join(full, 'otelcol') } })).toThrow(
      `run \`${SETUP_COMMAND} --only otelcol\``,
    );
  });

  it('finds Prometheus 3 at KUBEDIAG_PROMETHEUS, else in the setup cache by version, and names its setup command', () => {
    expect(findPeer('prometheus3', { env: { KUBEDIAG_PROMETHEUS: join(full, 'etcd') } })).toBe(
      join(full, 'etcd'),
    );
    expect(() => findPeer('prometheus3', { env: { KUBEDIAG_CACHE: '/c' } })).toThrow(
      `find peer prometheus3: no executable at /c/prometheus-3.16.0/prometheus; run \`${SETUP_COMMAND} --only prometheus\``,
    );
    expect(() =>
      findPeer('prometheus3', { env: { KUBEDIAG_CACHE: '/c', KUBEDIAG_PROMETHEUS_VERSION: '3.17.1' } }),
    ).toThrow('/c/prometheus-3.17.1/prometheus');
  });

  it('finds tools on PATH and says how to get one that is missing', () => {
    expect(findPeer('go', { env: { PATH: '/usr/local/go/bin:/usr/bin' } })).toMatch(/\/go$/);
    expect(() => findPeer('promtool', { env: { PATH: empty } })).toThrow(
      `find peer promtool: not found on PATH; run \`${SETUP_COMMAND}\``,
    );
    expect(() => findPeer('go', { env: { PATH: empty } })).toThrow(/install Go .*go tool pprof/);
    expect(() => findPeer('nope' as 'go', { env: {} })).toThrow(/unknown peer; expected one of/);
  });

  it('fails startControlPlane with the missing-binary error before creating anything', async () => {
    await expect(startControlPlane({ assetsDir: empty })).rejects.toMatchObject({
      code: EnvtestErrorCode.BINARY_NOT_FOUND,
      message: expect.stringContaining('KUBEDIAG_ASSETS') as unknown,
    });
  });
});
