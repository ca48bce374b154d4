import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createNamespace, createServiceAccount, findPeer, useControlPlane } from '../src/index.ts';
import { KUBERNETES_VERSION, PROMETHEUS_VERSION } from '../src/peers.ts';

const run = (bin: string, args: string[]): string =>
  execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });

describe('integration: the real peers the setup command provides', () => {
  it('has kube-apiserver and kubectl stamped with the pinned Kubernetes version', () => {
    expect(run(findPeer('kube-apiserver'), ['--version']).trim()).toBe(`Kubernetes ${KUBERNETES_VERSION}`);
    expect(run(findPeer('kubectl'), ['version', '--client', '-o', 'json'])).toContain(
      `"gitVersion": "${KUBERNETES_VERSION}"`,
    );
    expect(run(findPeer('etcd'), ['--version'])).toMatch(/etcd Version: 3\.6\./);
  });

  it('has a kubectl that talks to the control plane and mints tokens (kubectl create token)', async () => {
    const cp = await useControlPlane();
    const kubectl = findPeer('kubectl');
    const version = run(kubectl, ['--kubeconfig', cp.kubeconfigPath, 'get', '--raw', '/version']);
    expect(JSON.parse(version)).toMatchObject({ gitVersion: KUBERNETES_VERSION, major: '1' });
    const ns = await createNamespace(cp.kubeConfig);
    await createServiceAccount(cp.kubeConfig, ns, 'cli');
    const token = run(kubectl, [
      '--kubeconfig',
      cp.kubeconfigPath,
      '-n',
      ns,
      'create',
      'token',
      'cli',
      '--duration=10m',
    ]);
    expect(token.trim().split('.')).toHaveLength(3);
  });

  it('has an OpenTelemetry Collector with the OTLP receiver and the file and debug exporters', () => {
    const components = run(findPeer('otelcol'), ['components']);
    expect(components).toMatch(/receivers:\s+- name: otlp/);
    expect(components).toContain('- name: file');
    expect(components).toContain('- name: debug');
  });

  it('has Prometheus 2 and 3, promtool and go (for go tool pprof)', () => {
    expect(run(findPeer('prometheus'), ['--version'])).toMatch(/prometheus, version 2\./);
    expect(run(findPeer('prometheus3'), ['--version'])).toContain(
      `prometheus, version ${PROMETHEUS_VERSION}`,
    );
    expect(run(findPeer('promtool'), ['--version'])).toMatch(/promtool, version/);
    expect(run(findPeer('go'), ['version'])).toMatch(/^go version go1\./);
  });
});
