import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../src/index.ts';
import { probe } from '../src/internal/http-probe.ts';
import { pidExists, processesMatching, runFixture, waitNoProcesses } from './support/procs.ts';

/** The process-group ids a locally started control plane exposes for tests like these. */
const pidsOf = (cp: ControlPlane): { etcd: number; apiServer: number } =>
  (cp as ControlPlane & { pids: { etcd: number; apiServer: number } }).pids;

async function readyz(cp: ControlPlane): Promise<number | string> {
  const r = await probe(`${cp.url}/readyz`, { ca: cp.caPem });
  return 'status' in r ? r.status : r.error;
}

describe('integration: control plane lifecycle', () => {
  it('starts, stops and starts again in one process, leaving nothing behind', async () => {
    const first = await startControlPlane();
    expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await readyz(first)).toBe(200);
    const { etcd, apiServer } = pidsOf(first);
    expect(processesMatching(first.dir).length).toBeGreaterThanOrEqual(2);
    const kubeconfig = await readFile(first.kubeconfigPath, 'utf8');
    expect(kubeconfig).toContain(first.url);
    const namespaces = await first.kubeConfig.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('kube-system');

    await first.stop();
    await first.stop(); // idempotent
    expect(pidExists(etcd)).toBe(false);
    expect(pidExists(apiServer)).toBe(false);
    expect(processesMatching(first.dir)).toEqual([]);
    expect(existsSync(first.dir)).toBe(false);
    expect(await first.exited).toMatchObject({ expected: true });
    await expect(first.readAuditEvents()).rejects.toMatchObject({ code: 'KDIAG_ENVTEST_STOPPED' });

    const second = await startControlPlane();
    try {
      expect(second.url).not.toBe(first.url);
      expect(await readyz(second)).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('reports an apiserver killed from outside instead of hanging', async () => {
    const cp = await startControlPlane({ auditLog: true });
    try {
      process.kill(-pidsOf(cp).apiServer, 'SIGKILL');
      const exit = await cp.exited;
      expect(exit).toMatchObject({ process: 'kube-apiserver', expected: false, signal: 'SIGKILL' });
      await expect(cp.readAuditEvents()).rejects.toMatchObject({
        code: 'KDIAG_ENVTEST_PROCESS_EXITED',
        message: expect.stringContaining('kube-apiserver exited unexpectedly') as unknown,
      });
      await expect(cp.issueClientCertificate('x')).rejects.toMatchObject({
        code: 'KDIAG_ENVTEST_PROCESS_EXITED',
      });
    } finally {
      await cp.stop();
    }
    expect(processesMatching(cp.dir)).toEqual([]);
  });

  it('fails a start that cannot become ready with the last lines of each log', async () => {
    const before = processesMatching('kubediag-envtest-');
    await expect(startControlPlane({ extraApiServerArgs: ['--no-such-flag=1'] })).rejects.toMatchObject({
      code: 'KDIAG_ENVTEST_PROCESS_EXITED',
      message: expect.stringMatching(
        /kube-apiserver exited before kube-apiserver was ready[\s\S]*last 20 lines of etcd log[\s\S]*last 20 lines of kube-apiserver log[\s\S]*unknown flag: --no-such-flag/,
      ) as unknown,
    });
    await expect(startControlPlane({ startTimeoutMs: 1 })).rejects.toMatchObject({
      code: 'KDIAG_ENVTEST_START_TIMEOUT',
      message: expect.stringMatching(
        /etcd not ready after 1 ms; expected 200 from http:\/\/127\.0\.0\.1:\d+\/health/,
      ) as unknown,
    });
    // Failed starts clean up after themselves too: nothing is left that was not there before. (Not an
    // equality: a process of an earlier test file may still be ending, as seen once on Node 24.)
    expect(processesMatching('kubediag-envtest-').filter((p) => !before.includes(p))).toEqual([]);
  });

  it('retries with fresh ports after "address already in use" and then gives up with KDIAG_ENVTEST_PORT_CONFLICT', async () => {
    // Hold a port and force etcd onto it on every attempt (a later flag wins): each attempt conflicts.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect(
        startControlPlane({
          extraEtcdArgs: [`--listen-peer-urls=http://127.0.0.1:${port}`],
          portConflictRetries: 1,
        }),
      ).rejects.toMatchObject({
        code: 'KDIAG_ENVTEST_PORT_CONFLICT',
        message: expect.stringContaining('etcd hit "address already in use" on 2 attempt(s)') as unknown,
      });
    } finally {
      server.close();
    }
  });

  it.each(['exit', 'throw', 'wait'] as const)(
    'leaves no etcd or kube-apiserver behind when the Node process that started them ends (%s)',
    async (mode) => {
      const child = runFixture('control-plane', [mode]);
      const report = await child.report;
      const dir = String(report['dir']);
      expect(dir).toMatch(/kubediag-envtest-/);
      // Counted by the child just before it ends: etcd, kube-apiserver and their supervisors.
      expect(report['running']).toBeGreaterThanOrEqual(4);
      // 'wait' is killed with SIGKILL, which no handler sees: the supervisors' lifeline pipe ends the binaries.
      if (mode === 'wait') child.kill('SIGKILL');
      const exit = await child.exited;
      if (mode === 'throw') expect(exit.stderr).toContain('uncaught on purpose');
      expect(await waitNoProcesses(dir, 15_000)).toEqual([]);
      // The exit handler also removes the temp dir; only SIGKILL leaves it (nothing runs then).
      if (mode !== 'wait') expect(existsSync(dir)).toBe(false);
      await rm(dir, { recursive: true, force: true });
    },
  );

  it('reports the median start time of 3 starts', async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const cp = await startControlPlane();
      times.push(performance.now() - t0);
      expect(await readyz(cp)).toBe(200);
      await cp.stop();
    }
    const median = [...times].sort((a, b) => a - b)[1]!;
    console.log(
      `[kubediag-envtest] control plane start: median ${Math.round(median)} ms of ${times
        .map((t) => Math.round(t))
        .join(', ')} ms (node ${process.version})`,
    );
    expect(times).toHaveLength(3);
  });
});
