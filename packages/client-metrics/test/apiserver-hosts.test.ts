import { describe, expect, it } from 'vitest';
import { apiserverHost, apiserverHosts, goUrlHost, inClusterServer } from '../src/apiserver-hosts.ts';

const kubeConfig = (server: string) => ({ getCurrentCluster: () => ({ server }) });

describe('the host label, as Go url.Parse reads a server URL', () => {
  it.each([
    ['https://127.0.0.1:6443', '127.0.0.1:6443'],
    ['https://10.96.0.1:443', '10.96.0.1:443'],
    ['https://kubernetes.default.svc', 'kubernetes.default.svc'],
    ['https://user:pw@api.example.com:8443/prefix', 'api.example.com:8443'],
    ['https://[::1]:6443', '[::1]:6443'],
  ])('%s → %s', (server, host) => {
    expect(goUrlHost(server)).toBe(host);
  });

  it('matches requests by origin: scheme, lowercase host, the default port left out', () => {
    expect(apiserverHost('https://API.example.com:443/')).toEqual({
      origin: 'https://api.example.com',
      label: 'API.example.com:443',
    });
    expect(apiserverHost('unix:///var/run/x.sock')).toBeUndefined();
    expect(apiserverHost('not a url')).toBeUndefined();
  });
});

describe('which apiservers are counted', () => {
  it('the KubeConfig current cluster first, then the servers given, one per origin', () => {
    const hosts = apiserverHosts(
      kubeConfig('https://10.0.0.1:6443'),
      ['https://10.0.0.2', 'https://10.0.0.1:6443/'],
      {},
    );
    expect(hosts.map((h) => h.label)).toEqual(['10.0.0.1:6443', '10.0.0.2']);
  });

  it('with neither, the in-cluster apiserver, built as client-go builds it', () => {
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(apiserverHosts(undefined, [], env).map((h) => h.label)).toEqual(['10.96.0.1:443']);
    expect(apiserverHosts(kubeConfig('https://x:1'), [], env).map((h) => h.label)).toEqual(['x:1']);
    expect(inClusterServer({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' })).toBe(
      'https://[fd00::1]:443',
    );
    expect(apiserverHosts(undefined, [], {})).toEqual([]);
  });

  it('a KubeConfig without a current cluster adds nothing', () => {
    expect(apiserverHosts({ getCurrentCluster: () => null }, [], {})).toEqual([]);
  });
});
