// The demo operator's own apiserver traffic and its informer's watch, end to end (issue 18): the real
// kube-apiserver of a control plane of its own — the outage below stops it, and the shared one must
// stay up for the other files. The operator runs as a ServiceAccount with a narrow RBAC: it may list
// and watch ConfigMaps everywhere but patch them only in one namespace, so a labelled ConfigMap
// elsewhere makes its reconcile's PATCH a real 403. Its diagnostics port is insecure here: what is
// tested is the client side, and a scrape must not depend on the apiserver that the outage stops.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyManifest,
  createNamespace,
  createServiceAccount,
  createToken,
  startControlPlane,
  uniqueName,
  type ControlPlane,
} from '@kubediag/envtest';
import type { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_ANNOTATION, WATCH_LABEL } from '../src/checksum.ts';
import { call, eventually, startDemo, writeTokenKubeconfig, type Demo } from './support/demo-process.ts';
import { sampleSum } from './support/metrics-text.ts';

/** The names main.ts gives its informer and the informer's readiness check. */
const INFORMER = 'configmaps';
const READYZ_CHECK = 'configmaps-watch';
const CONFIGMAPS = { group: '', resource: 'configmaps', subresource: '' };

let cp: ControlPlane;
let dir: string;
let demo: Demo;
let core: CoreV1Api;
let host: string;
let patchableNs: string;
let readOnlyNs: string;

/** The narrow RBAC: list and watch ConfigMaps cluster-wide, patch them in `patchableNs` only. */
function rbac(operatorNs: string, name: string): string {
  const subject = `[{ kind: ServiceAccount, name: demo-operator, namespace: ${operatorNs} }]`;
  return `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: ${name} }
rules: [{ apiGroups: [''], resources: [configmaps], verbs: [get, list, watch] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: ${name} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${name} }
subjects: ${subject}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: ${name}-patch, namespace: ${patchableNs} }
rules: [{ apiGroups: [''], resources: [configmaps], verbs: [patch] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${name}-patch, namespace: ${patchableNs} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${name}-patch }
subjects: ${subject}
`;
}

const scrape = async (): Promise<string> => {
  const res = await call(`${demo.url}/metrics`);
  expect(res.status).toBe(200);
  return res.body.toString();
};
const requests = (text: string, labels: Record<string, string>) =>
  sampleSum(text, 'rest_client_requests_total', { host, ...labels });
const byVerb = (text: string, labels: Record<string, string>) =>
  sampleSum(text, 'kubediag_rest_client_requests_total', { ...CONFIGMAPS, ...labels });
const informer = (text: string, name: string, labels: Record<string, string> = {}) =>
  sampleSum(text, name, { informer: INFORMER, ...labels });

async function createWatched(namespace: string, name: string, data: Record<string, string>) {
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name, labels: { [WATCH_LABEL]: 'true' } }, data },
  });
}

const checksumAnnotation = (namespace: string, name: string) =>
  eventually(`the checksum annotation of ${namespace}/${name}`, async () => {
    const cm = await core.readNamespacedConfigMap({ name, namespace });
    return cm.metadata?.annotations?.[CHECKSUM_ANNOTATION];
  });

beforeAll(async () => {
  cp = await startControlPlane();
  host = new URL(cp.url).host;
  const admin = cp.kubeConfig;
  const k8s = await import('@kubernetes/client-node');
  core = admin.makeApiClient(k8s.CoreV1Api);
  const operatorNs = await createNamespace(admin);
  patchableNs = await createNamespace(admin);
  readOnlyNs = await createNamespace(admin);
  await createServiceAccount(admin, operatorNs, 'demo-operator');
  await applyManifest(admin, rbac(operatorNs, uniqueName('demo-client-metrics')));
  dir = await mkdtemp(join(tmpdir(), 'kdiag-demo-client-'));
  const kubeconfig = join(dir, 'operator.kubeconfig');
  await writeTokenKubeconfig(kubeconfig, cp, await createToken(admin, operatorNs, 'demo-operator'));
  demo = await startDemo([
    '--kubeconfig',
    kubeconfig,
    '--insecure-diagnostics',
    '--diagnostics-address=127.0.0.1:0',
    '--health-probe-bind-address=0',
    // A watch down for longer than this fails the readiness check: short, so the outage shows it.
    '--watch-disconnected-threshold=1s',
    '-v=2',
  ]);
});

afterAll(async () => {
  await demo?.stop();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the demo operator counts its own requests to the apiserver', () => {
  it('has LISTs, WATCHes and PATCHes with code 200 after a reconcile, and its informer watching', async () => {
    // The watch is up before the ConfigMap exists, so that it arrives as a watch event (ADDED): created
    // earlier, it would come in the informer's first LIST and no event would be counted (seen on Node 24).
    await eventually('the informer watching', async () =>
      (await call(`${demo.url}/readyz/${READYZ_CHECK}`)).status === 200 ? true : undefined,
    );
    await createWatched(patchableNs, 'settings', { color: 'blue' });
    await checksumAnnotation(patchableNs, 'settings');
    const text = await eventually('the PATCH counted', async () => {
      const t = await scrape();
      return requests(t, { code: '200', method: 'PATCH' }) >= 1 ? t : undefined;
    });

    // client-go's family: LIST and WATCH are both GETs on the wire. The reconciler reads the
    // informer's cache, so the demo sends no GET of one object.
    expect(requests(text, { code: '200', method: 'GET' })).toBeGreaterThanOrEqual(2);
    // The apiserver's verbs tell them apart.
    expect(byVerb(text, { code: '200', verb: 'LIST' })).toBeGreaterThanOrEqual(1);
    expect(byVerb(text, { code: '200', verb: 'WATCH' })).toBeGreaterThanOrEqual(1);
    expect(byVerb(text, { code: '200', verb: 'PATCH' })).toBeGreaterThanOrEqual(1);
    expect(byVerb(text, { code: '200', verb: 'GET' })).toBe(0);
    // Nothing failed so far: every request of the demo is a 200.
    expect(requests(text, {})).toBe(requests(text, { code: '200' }));

    expect(informer(text, 'kubediag_informer_watch_connected')).toBe(1);
    expect(informer(text, 'kubediag_informer_watch_events_total', { type: 'ADDED' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(informer(text, 'kubediag_informer_watch_restarts_total')).toBe(0);
    expect((await call(`${demo.url}/readyz/${READYZ_CHECK}`)).status).toBe(200);
  });

  it('counts a PATCH that RBAC denies as a 403', async () => {
    await createWatched(readOnlyNs, 'not-mine', { color: 'red' });
    const reconcileErrors = (t: string) =>
      sampleSum(t, 'controller_runtime_reconcile_errors_total', { controller: 'configmap-checksum' });
    // The 403 is counted when its answer arrives, the reconcile's error once the reconcile returns.
    const text = await eventually('a 403 counted and the reconcile failed on it', async () => {
      const t = await scrape();
      return requests(t, { code: '403', method: 'PATCH' }) >= 1 && reconcileErrors(t) >= 1 ? t : undefined;
    });
    expect(byVerb(text, { code: '403', verb: 'PATCH' })).toBeGreaterThanOrEqual(1);
    const cm = await core.readNamespacedConfigMap({ name: 'not-mine', namespace: readOnlyNs });
    expect(cm.metadata?.annotations?.[CHECKSUM_ANNOTATION]).toBeUndefined();
  });

  it('shows an apiserver outage: <error> codes, the readiness check failing, then watch restarts and readiness after the resync', async () => {
    const before = await scrape();
    const restartsBefore = informer(before, 'kubediag_informer_watch_restarts_total');
    const errorsBefore = requests(before, { code: '<error>' });
    expect(errorsBefore).toBe(0);

    await cp.stopApiServer();
    try {
      const reason = await eventually('the readiness check failing', async () => {
        const res = await call(`${demo.url}/readyz/${READYZ_CHECK}`);
        return res.status === 500 ? res.body.toString() : undefined;
      });
      expect(reason).toMatch(
        new RegExp(
          `^internal server error: watch of informer "${INFORMER}" down for \\d+\\.\\ds \\(bound 1s\\)`,
        ),
      );
      const verbose = await call(`${demo.url}/readyz?verbose`);
      expect(verbose.status).toBe(500);
      // The aggregate is unauthenticated: it names the failing check and withholds the reason.
      expect(verbose.body.toString()).toContain(`[-]${READYZ_CHECK} failed: reason withheld\n`);

      // The refused request is counted as it fails; the informer reports the error right after.
      const during = await eventually('a refused request counted as <error>', async () => {
        const t = await scrape();
        return requests(t, { code: '<error>', method: 'GET' }) >= 1 &&
          informer(t, 'kubediag_informer_errors_total') >= 1
          ? t
          : undefined;
      });
      // client-node 1.x restarts a watch from its last resourceVersion, without a new LIST.
      expect(byVerb(during, { code: '<error>', verb: 'WATCH' })).toBeGreaterThanOrEqual(1);
      expect(informer(during, 'kubediag_informer_watch_connected')).toBe(0);
    } finally {
      await cp.startApiServer();
    }

    await eventually('the readiness check passing again', async () => {
      const res = await call(`${demo.url}/readyz?verbose`);
      return res.status === 200 ? res.body.toString() : undefined;
    }).then((body) => expect(body).toContain(`[+]${READYZ_CHECK} ok\n`));
    expect((await call(`${demo.url}/readyz/${READYZ_CHECK}`)).status).toBe(200);

    // A watch resumed from a resourceVersion the restarted apiserver no longer serves ends at once
    // (410) and client-node lists again: wait for the watch that stays.
    const after = await eventually('the watch connected again', async () => {
      const t = await scrape();
      return informer(t, 'kubediag_informer_watch_connected') === 1 ? t : undefined;
    });
    expect(informer(after, 'kubediag_informer_watch_restarts_total')).toBeGreaterThan(restartsBefore);
    // Resynced: a ConfigMap created after the outage reaches the reconciler through the new watch.
    await createWatched(patchableNs, 'after-outage', { color: 'green' });
    await checksumAnnotation(patchableNs, 'after-outage');
    const final = await scrape();
    expect(byVerb(final, { code: '200', verb: 'WATCH' })).toBeGreaterThanOrEqual(2);
  });
});
