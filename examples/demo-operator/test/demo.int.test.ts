// End to end: the demo operator against the real envtest control plane, with its own manifests'
// RBAC, scraped by a real Prometheus, its log level raised through PUT /debug/flags/v, and a CPU
// profile read by go tool pprof.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import {
  applyManifest,
  createNamespace,
  createServiceAccount,
  createToken,
  findPeer,
  startPrometheus,
  useControlPlane,
  type ControlPlane,
  type RunningPrometheus,
} from '@kubediag/envtest';
import type { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_ANNOTATION, WATCH_LABEL, checksumOf } from '../src/checksum.ts';
import {
  call,
  demoDir,
  eventually,
  startDemo,
  writeTokenKubeconfig,
  type Demo,
} from './support/demo-process.ts';

const NS = 'kubediag-demo';

/** The demo's in-memory self-signed certificate, as a CA file for Prometheus. */
function servingCertificatePem(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      const der = socket.getPeerCertificate().raw;
      socket.end();
      resolve(
        `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`,
      );
    });
    socket.on('error', reject);
  });
}

describe('demo operator against a real control plane', () => {
  let cp: ControlPlane;
  let dir: string;
  let demo: Demo;
  let readerToken: string;
  let workNs: string;
  let core: CoreV1Api;

  beforeAll(async () => {
    cp = await useControlPlane();
    const kc = cp.kubeConfig;
    for (const file of ['00-namespace.yaml', '10-operator-rbac.yaml', '20-diagnostics-readers.yaml']) {
      await applyManifest(kc, await readFile(join(demoDir, 'manifests', file), 'utf8'));
    }
    // The operator runs as its ServiceAccount, so the manifests' RBAC is what is tested.
    const operatorToken = await createToken(kc, NS, 'demo-operator');
    readerToken = await createToken(kc, NS, 'diagnostics-reader');
    dir = await mkdtemp(join(tmpdir(), 'kdiag-demo-'));
    const kubeconfig = join(dir, 'operator.kubeconfig');
    await writeTokenKubeconfig(kubeconfig, cp, operatorToken);
    const k8s = await import('@kubernetes/client-node');
    core = kc.makeApiClient(k8s.CoreV1Api);
    workNs = await createNamespace(kc);
    demo = await startDemo([
      '--kubeconfig',
      kubeconfig,
      '--diagnostics-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
      '-v=2',
    ]);
  });

  afterAll(async () => {
    await demo?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reconciles a labelled ConfigMap through its own RBAC', async () => {
    const data = { color: 'blue', size: '3' };
    await core.createNamespacedConfigMap({
      namespace: workNs,
      body: { metadata: { name: 'settings', labels: { [WATCH_LABEL]: 'true' } }, data },
    });
    const annotation = await eventually('the checksum annotation', async () => {
      const cm = await core.readNamespacedConfigMap({ name: 'settings', namespace: workNs });
      return cm.metadata?.annotations?.[CHECKSUM_ANNOTATION];
    });
    expect(annotation).toBe(checksumOf(data));
  });

  it('serves controller-runtime metrics to a token with the metrics-reader role', async () => {
    const res = await call(`${demo.url}/metrics`, { token: readerToken });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toMatch(
      /controller_runtime_reconcile_total\{controller="configmap-checksum",result="success"\} [1-9]/,
    );
    expect((await call(`${demo.url}/metrics`)).status).toBe(401);
  });

  it('is scraped by a real Prometheus with the seed scrape config', async () => {
    let prom: RunningPrometheus | undefined;
    try {
      const target = new URL(demo.url).host;
      prom = await startPrometheus([
        { name: 'demo', target, token: readerToken, caPem: await servingCertificatePem(demo.url) },
      ]);
      const up = await eventually('the demo target up', async () => {
        const t = (await prom!.targets()).find((x) => x.job === 'demo');
        return t?.health === 'up' ? t : undefined;
      });
      expect(up.lastError).toBe('');
      const series = await eventually('reconcile series', async () => {
        const r = await prom!.query(
          'controller_runtime_reconcile_total{controller="configmap-checksum",result="success"}',
        );
        return r.length > 0 ? r : undefined;
      });
      expect(Number(series[0]!.value[1])).toBeGreaterThan(0);
    } finally {
      await prom?.stop();
    }
  });

  it('raises its verbosity through PUT /debug/flags/v and logs V(5) lines afterwards', async () => {
    const k8s = await import('@kubernetes/client-node');
    const patch = (value: string) =>
      core.patchNamespacedConfigMap(
        { name: 'settings', namespace: workNs, body: { metadata: { labels: { touched: value } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await patch('before');
    await new Promise((r) => setTimeout(r, 1500));
    expect(demo.output()).not.toContain('"Checksum up to date"');

    const res = await call(`${demo.url}/debug/flags/v`, { method: 'PUT', body: '5', token: readerToken });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('successfully set klog.logging.verbosity to 5\n');

    await patch('after');
    await eventually('a V(5) line', async () =>
      demo.output().includes('"Checksum up to date"') ? true : undefined,
    );
  });

  it('refuses the log-level switch to a ServiceAccount without the role', async () => {
    await createServiceAccount(cp.kubeConfig, workNs, 'nobody');
    const token = await createToken(cp.kubeConfig, workNs, 'nobody');
    const res = await call(`${demo.url}/debug/flags/v`, { method: 'PUT', body: '9', token });
    expect(res.status).toBe(403);
    expect(res.body.toString()).toBe(
      `Authorization denied for user system:serviceaccount:${workNs}:nobody\n`,
    );
  });

  it('serves a CPU profile that go tool pprof reads', async () => {
    const res = await call(`${demo.url}/debug/pprof/profile?seconds=1`, { token: readerToken });
    expect(res.status).toBe(200);
    const file = join(dir, 'profile.pb.gz');
    await writeFile(file, res.body);
    const { stdout } = await promisify(execFile)(findPeer('go'), ['tool', 'pprof', '-top', file]);
    expect(stdout).toContain('Type: cpu');
  });

  it('ships a Deployment, Service and NetworkPolicy the apiserver accepts as written', async () => {
    // No kubelet runs here, so nothing is scheduled; the apiserver still validates every field.
    for (const file of ['30-deployment.yaml', '40-service.yaml', '70-networkpolicy.yaml']) {
      const applied = await applyManifest(
        cp.kubeConfig,
        await readFile(join(demoDir, 'manifests', file), 'utf8'),
      );
      expect(applied.length, file).toBeGreaterThan(0);
      expect(applied[0]!.metadata?.uid, file).toBeTruthy();
    }
  });

  it('serves /metrics only in insecure mode', async () => {
    const insecure = await startDemo([
      '--insecure-diagnostics',
      '--diagnostics-address=127.0.0.1:0',
      '--health-probe-bind-address=0',
    ]);
    try {
      expect(insecure.url).toMatch(/^http:\/\//);
      expect((await call(`${insecure.url}/metrics`)).status).toBe(200);
      expect((await call(`${insecure.url}/debug/pprof/`)).status).toBe(404);
      expect((await call(`${insecure.url}/debug/flags/v`, { method: 'PUT', body: '9' })).status).toBe(404);
    } finally {
      await insecure.stop();
    }
  });
});
