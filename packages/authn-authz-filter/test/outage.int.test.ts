import type { ControlPlane } from '@kubediag/envtest';
import { createToken, startControlPlane } from '@kubediag/envtest';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/audit.ts';
import { withAuthenticationAndAuthorization } from '../src/filter.ts';
import { setupDiagnosticsIdentities, tokenKubeConfig, type DiagnosticsIdentities } from '@kubediag/envtest';
import { recordingLogger } from './support/fakes.ts';
import { listen, request } from './support/http.ts';
import { tcpProxy } from './support/tcp-proxy.ts';

/*
 * The apiserver going away mid-test. A SEPARATE control plane (the shared one must survive), reached
 * through a TCP relay so the network can be cut and restored while the same apiserver keeps running;
 * at the end the control plane is really stopped (processes killed).
 */

const TTL = 1_000;
let cp: ControlPlane;
let ids: DiagnosticsIdentities;
let proxy: Awaited<ReturnType<typeof tcpProxy>>;
const events: AuditEvent[] = [];
const registry = new Registry();
let url: string;
let closeServer: () => Promise<void>;
let closeFilter: () => Promise<void>;
let unseenA: string;
let unseenB: string;

beforeAll(async () => {
  cp = await startControlPlane();
  ids = await setupDiagnosticsIdentities(cp, 'outage');
  proxy = await tcpProxy(new URL(cp.url));
  [unseenA, unseenB] = await Promise.all([
    createToken(cp.kubeConfig, ids.ns, 'reader'),
    createToken(cp.kubeConfig, ids.ns, 'reader'),
  ]);
  const operatorToken = await createToken(cp.kubeConfig, ids.ns, 'operator');
  const closable = await withAuthenticationAndAuthorization({
    tokenCacheTTLMs: TTL,
    allowedTTLMs: TTL,
    deniedTTLMs: TTL,
    staleIfErrorGraceMs: 120_000,
    reviewTimeoutMs: 3_000,
    audit: (e) => events.push(e),
  })({
    logger: recordingLogger(),
    registry,
    kubeConfig: await tokenKubeConfig({ url: proxy.url, caPem: cp.caPem }, operatorToken),
  });
  const srv = await listen(closable.filter(recordingLogger(), (_req, res) => void res.end('ok\n')));
  url = srv.url;
  closeServer = srv.close;
  closeFilter = () => closable.close();
});

afterAll(async () => {
  await closeServer?.();
  await closeFilter?.();
  await proxy?.close();
  await cp?.stop();
});

const scrape = (token: string) =>
  request(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
const expire = () => new Promise((r) => setTimeout(r, TTL + 200));
const lastEvent = () => events[events.length - 1];

describe('apiserver outage', () => {
  it('keeps passing recently allowed identities, fails new ones closed, and recovers when the apiserver is back', async () => {
    expect((await scrape(ids.readerToken)).status).toBe(200);
    expect((await scrape(ids.nobodyToken)).status).toBe(403);

    await proxy.down();
    await expire();
    expect((await scrape(ids.readerToken)).status).toBe(200);
    expect(lastEvent()?.annotations['authn-authz.kubediag.io/stale']).toBe('true');
    // A denial is never served stale, and an identity never seen cannot be vouched for.
    expect(await scrape(ids.nobodyToken)).toMatchObject({ status: 500 });
    expect(await scrape(unseenA)).toMatchObject({ status: 500, body: 'Authentication failed\n' });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/kubediag_authn_authz_stale_decisions_total\{cache="token"\} [1-9]/);
    expect(metrics).toMatch(/kubediag_authn_authz_stale_decisions_total\{cache="authorization"\} [1-9]/);

    // The same apiserver becomes reachable again: fresh answers, not stale ones.
    await proxy.up();
    expect((await scrape(ids.readerToken)).status).toBe(200);
    expect(lastEvent()?.annotations['authn-authz.kubediag.io/stale']).toBeUndefined();
    expect((await scrape(unseenA)).status).toBe(200);
    expect((await scrape(ids.nobodyToken)).status).toBe(403);
  });

  it('keeps passing cached identities after the control plane is really stopped', async () => {
    expect((await scrape(ids.readerToken)).status).toBe(200);
    await cp.stop();
    await expire();
    expect((await scrape(ids.readerToken)).status).toBe(200);
    expect(lastEvent()?.annotations['authn-authz.kubediag.io/stale']).toBe('true');
    expect((await scrape(unseenB)).status).toBe(500);
  });
});
