import { createServer, type AddressInfo, type Server } from 'node:net';
import { connect } from 'node:tls';
import { AuthenticationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createServiceAccount,
  createToken,
  startControlPlane,
  useControlPlane,
  type ControlPlane,
  type ProcessExit,
} from '../src/index.ts';
import { probe } from '../src/internal/http-probe.ts';
import { pidExists, processesMatching } from './support/procs.ts';

const pidsOf = (cp: ControlPlane): { etcd: number; apiServer: number } =>
  (cp as ControlPlane & { pids: { etcd: number; apiServer: number } }).pids;

async function readyz(cp: ControlPlane): Promise<number | string> {
  const r = await probe(`${cp.url}/readyz`, { ca: cp.caPem });
  return 'status' in r ? r.status : r.error;
}

/** SHA-256 fingerprint of the certificate the apiserver serves, verified against cp.caPem. */
function servingFingerprint(cp: ControlPlane): Promise<string> {
  const { hostname, port } = new URL(cp.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: cp.caPem }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** 'pending' unless `exited` has already settled. */
async function exitState(cp: ControlPlane): Promise<ProcessExit | 'pending'> {
  return Promise.race([cp.exited, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 50))]);
}

async function authenticated(cp: ControlPlane, token: string): Promise<boolean> {
  const api = cp.kubeConfig.makeApiClient(AuthenticationV1Api);
  const res = await api.createTokenReview({ body: { spec: { token } } });
  return res.status?.authenticated === true;
}

describe('integration: stopping and restarting kube-apiserver alone', () => {
  let cp: ControlPlane | undefined;
  afterEach(async () => {
    await cp?.stop();
    if (cp !== undefined) expect(processesMatching(cp.dir)).toEqual([]);
    cp = undefined;
  });

  it('keeps etcd, the URL, the certificates, the data and issued tokens across a restart', async () => {
    cp = await startControlPlane({ auditLog: true });
    const ns = await createNamespace(cp.kubeConfig);
    await createServiceAccount(cp.kubeConfig, ns, 'scraper');
    const token = await createToken(cp.kubeConfig, ns, 'scraper');
    const fingerprint = await servingFingerprint(cp);
    const before = pidsOf(cp);

    const t0 = performance.now();
    await cp.stopApiServer();
    const stopMs = performance.now() - t0;
    expect(pidExists(before.apiServer)).toBe(false);
    expect(pidExists(before.etcd)).toBe(true);
    expect(await readyz(cp)).toMatch(/ECONNREFUSED/);
    expect(await exitState(cp)).toBe('pending'); // an outage on request is not an exit
    await cp.stopApiServer(); // already stopped: nothing to do
    await expect(cp.readAuditEvents()).resolves.toBeInstanceOf(Array);

    const t1 = performance.now();
    await cp.startApiServer();
    console.log(
      `[kubediag-envtest] stopApiServer ${Math.round(stopMs)} ms, startApiServer ${Math.round(performance.now() - t1)} ms`,
    );
    const after = pidsOf(cp);
    expect(after.apiServer).not.toBe(before.apiServer);
    expect(after.etcd).toBe(before.etcd);
    expect(await readyz(cp)).toBe(200);
    expect(await servingFingerprint(cp)).toBe(fingerprint);
    const again = await cp.kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: ns });
    expect(again.metadata?.name).toBe(ns);
    expect(await authenticated(cp, token)).toBe(true);
    await cp.startApiServer(); // already running: nothing to do
    expect(pidsOf(cp).apiServer).toBe(after.apiServer);
    expect(await exitState(cp)).toBe('pending');

    // The restarted process is watched like the first one: a crash is reported, not ignored.
    process.kill(-after.apiServer, 'SIGKILL');
    expect(await cp.exited).toMatchObject({ process: 'kube-apiserver', expected: false, signal: 'SIGKILL' });
    await expect(cp.startApiServer()).rejects.toMatchObject({ code: 'KDIAG_ENVTEST_PROCESS_EXITED' });
  });

  it('stop() during an outage ends etcd and settles exited as expected', async () => {
    cp = await startControlPlane();
    const { etcd } = pidsOf(cp);
    await cp.stopApiServer();
    await cp.stop();
    expect(pidExists(etcd)).toBe(false);
    expect(await cp.exited).toMatchObject({ process: 'etcd', expected: true });
    await expect(cp.startApiServer()).rejects.toMatchObject({ code: 'KDIAG_ENVTEST_STOPPED' });
    await expect(cp.stopApiServer()).rejects.toMatchObject({ code: 'KDIAG_ENVTEST_STOPPED' });
  });

  it('reports a port taken during the outage, and starts once it is free again', async () => {
    cp = await startControlPlane();
    await cp.stopApiServer();
    // Connections are dropped at once: a readiness probe that reached the squatter would otherwise keep
    // close() waiting.
    const squatter: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) =>
      squatter.listen(Number(new URL(cp!.url).port), '127.0.0.1', resolve),
    );
    expect((squatter.address() as AddressInfo).port).toBe(Number(new URL(cp.url).port));
    try {
      await expect(cp.startApiServer()).rejects.toMatchObject({
        code: 'KDIAG_ENVTEST_PORT_CONFLICT',
        message: expect.stringContaining('another process took') as unknown,
      });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    expect(await exitState(cp)).toBe('pending');
    await cp.startApiServer();
    expect(await readyz(cp)).toBe(200);
  });

  it('refuses to stop the shared control plane it does not own', async () => {
    const shared = await useControlPlane();
    await expect(shared.stopApiServer()).rejects.toMatchObject({
      code: 'KDIAG_ENVTEST_UNSUPPORTED',
      message: expect.stringContaining('not owned by the harness') as unknown,
    });
    await expect(shared.startApiServer()).rejects.toMatchObject({ code: 'KDIAG_ENVTEST_UNSUPPORTED' });
    expect(await readyz(shared)).toBe(200);
  });
});
