// `kubediag-envtest start` as a user runs it: a separate process that prints KUBECONFIG and the
// apiserver URL, serves real requests until a signal, then stops etcd and kube-apiserver and exits 0.
// (Run through tsx with the source condition; the built dist/bin.js is the same module.)
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { processesMatching, runNode, waitNoProcesses } from './support/procs.ts';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const PRINTED = /^KUBECONFIG=(\S+)\nAPISERVER=(https:\/\/127\.0\.0\.1:\d+)\n/;

/** Starts `kubediag-envtest start ...args`; resolves once it printed where the control plane is. */
async function start(args: string[]) {
  const child = runNode(BIN, ['start', ...args]);
  const [, kubeconfig, url] = PRINTED.exec(await child.output(PRINTED))!;
  return { child, kubeconfig: kubeconfig!, url: url! };
}

/** Lists namespaces with the printed kubeconfig, as kubectl would. */
async function namespaces(kubeconfig: string): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const list = await kc.makeApiClient(CoreV1Api).listNamespace();
  return list.items.map((n) => n.metadata?.name ?? '');
}

describe('integration: kubediag-envtest start', () => {
  it('runs a control plane until SIGINT (Ctrl-C), then stops it and exits 0', async () => {
    const { child, kubeconfig, url } = await start([]);
    // The kubeconfig lives in the control plane's directory, which etcd and kube-apiserver run in.
    const dir = dirname(kubeconfig);
    expect(await namespaces(kubeconfig)).toContain('kube-system');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    expect(kc.getCurrentCluster()?.server).toBe(url);
    expect(processesMatching(dir).length).toBeGreaterThanOrEqual(2);

    child.kill('SIGINT');
    const exit = await child.exited;
    expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });
    expect(exit.stderr).toContain('SIGINT: stopping etcd and kube-apiserver');
    expect(exit.stderr).toContain('stopped');
    expect(await waitNoProcesses(dir, 5_000)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('writes --kubeconfig for the run and removes it when SIGTERM stops the control plane', async () => {
    const home = await mkdtemp(join(tmpdir(), 'kubediag-bin-'));
    try {
      const file = join(home, 'envtest.kubeconfig');
      const { child, kubeconfig } = await start(['--kubeconfig', file, '--audit-log']);
      expect(kubeconfig).toBe(file);
      expect(await namespaces(file)).toContain('default');
      const dir = /files in (\S+?)[,)]/.exec(await child.output(/Ctrl-C stops it/, 'stderr'))?.[1];
      expect(dir).toBeDefined();

      child.kill('SIGTERM');
      const exit = await child.exited;
      expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });
      expect(existsSync(file)).toBe(false);
      expect(await waitNoProcesses(dir!, 5_000)).toEqual([]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
