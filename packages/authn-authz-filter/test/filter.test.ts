import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/audit.ts';
import { authnAuthzMiddleware } from '../src/express.ts';
import { filterWith, withAuthenticationAndAuthorization } from '../src/filter.ts';
import { createFilterMetrics } from '../src/metrics.ts';
import { getRequestUser } from '../src/user-info.ts';
import { FakeReviews, recordingLogger, testCore } from './support/fakes.ts';
import { listen, request } from './support/http.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

interface Seen {
  authorization: string | undefined;
  raw: string[];
  user: ReturnType<typeof getRequestUser>;
}

function echo(seen: Seen[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    seen.push({
      authorization: req.headers.authorization,
      raw: [...req.rawHeaders],
      user: getRequestUser(req),
    });
    res.statusCode = 202;
    res.end('handled');
  };
}

describe('node:http filter', () => {
  it('answers rejections like Go http.Error and never runs the handler', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').deny('alice', 'get', '/metrics');
    const seen: Seen[] = [];
    const srv = await listen(filterWith(core, recordingLogger(), echo(seen)));
    closers.push(srv.close);

    const none = await request(`${srv.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.body).toBe('Unauthorized\n');
    expect(none.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(none.headers['x-content-type-options']).toBe('nosniff');
    expect(none.headers['www-authenticate']).toBeUndefined();

    const denied = await request(`${srv.url}/metrics`, { headers: { Authorization: 'Bearer tok' } });
    expect([denied.status, denied.body]).toEqual([403, 'Authorization denied for user alice\n']);
    expect(seen).toHaveLength(0);
  });

  it('removes the Authorization header before the handler and exposes the user via getRequestUser', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice', ['devs']).allow('alice', 'get', '/metrics');
    const seen: Seen[] = [];
    const srv = await listen(filterWith(core, recordingLogger(), echo(seen)));
    closers.push(srv.close);
    const res = await request(`${srv.url}/metrics`, { headers: { Authorization: 'Bearer tok' } });
    expect([res.status, res.body]).toEqual([202, 'handled']);
    expect(seen[0]?.authorization).toBeUndefined();
    expect(seen[0]?.raw.map((h) => h.toLowerCase())).not.toContain('authorization');
    expect(seen[0]?.raw.join(' ')).not.toContain('tok');
    expect(seen[0]?.user).toMatchObject({ username: 'alice', groups: ['devs', 'system:authenticated'] });
  });

  it('removes the Authorization header also when req.headers was built before the filter ran', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    const seen: Seen[] = [];
    const filtered = filterWith(core, recordingLogger(), echo(seen));
    const srv = await listen((req, res) => {
      expect(req.headers.authorization).toBe('Bearer tok'); // a host that looked at headers first
      return filtered(req, res);
    });
    closers.push(srv.close);
    expect((await request(`${srv.url}/metrics`, { headers: { Authorization: 'Bearer tok' } })).status).toBe(
      202,
    );
    expect(seen[0]?.authorization).toBeUndefined();
    expect(seen[0]?.raw.map((h) => h.toLowerCase())).not.toContain('authorization');
  });

  it('leaves req.headersDistinct and a later req.headers build working, without the credential', async () => {
    // Node builds both maps lazily from rawHeaders up to a length it keeps itself; shortening
    // rawHeaders without it made the handler's first read of headersDistinct throw.
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    const seen: unknown[] = [];
    const srv = await listen(
      filterWith(core, recordingLogger(), (req, res) => {
        seen.push({ ...req.headersDistinct }, { ...req.headers }, req.rawHeaders.length);
        res.end('ok');
      }),
    );
    closers.push(srv.close);
    const res = await request(`${srv.url}/metrics`, { headers: { Authorization: 'Bearer tok', 'X-A': '1' } });
    expect(res.status).toBe(200);
    const [distinct, headers, rawLength] = seen as [Record<string, string[]>, Record<string, string>, number];
    expect(distinct['x-a']).toEqual(['1']);
    expect(distinct).not.toHaveProperty('authorization');
    expect(headers['x-a']).toBe('1');
    expect(headers).not.toHaveProperty('authorization');
    expect(Object.keys(distinct)).toHaveLength(rawLength / 2);
  });

  it('removes the credential from headersDistinct built before the filter ran', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    const seen: unknown[] = [];
    const filtered = filterWith(core, recordingLogger(), (req, res) => {
      seen.push(req.headersDistinct['authorization'], req.headers.authorization, req.headersDistinct['x-a']);
      res.end('ok');
    });
    const srv = await listen((req, res) => {
      expect(req.headersDistinct['authorization']).toEqual(['Bearer tok']); // a host that looked first
      return filtered(req, res);
    });
    closers.push(srv.close);
    expect(
      (await request(`${srv.url}/metrics`, { headers: { Authorization: 'Bearer tok', 'X-A': '1' } })).status,
    ).toBe(200);
    expect(seen).toEqual([undefined, undefined, ['1']]);
  });

  it('runs the handler on always-allowed paths without a user', async () => {
    const { core } = testCore();
    const seen: Seen[] = [];
    const srv = await listen(filterWith(core, recordingLogger(), echo(seen)));
    closers.push(srv.close);
    expect((await request(`${srv.url}/healthz`)).status).toBe(202);
    expect(seen[0]?.user).toBeUndefined();
  });

  it('writes one audit.k8s.io/v1 Event per decision with the status actually sent', async () => {
    const events: AuditEvent[] = [];
    const { core, reviews } = testCore({ audit: (e) => events.push(e) });
    reviews.user('tok', 'alice', ['devs']).allow('alice', 'get', '/metrics');
    const srv = await listen(filterWith(core, recordingLogger(), echo([])));
    closers.push(srv.close);
    await request(`${srv.url}/metrics?name[]=up`, {
      headers: { Authorization: 'Bearer tok', 'User-Agent': 'Prometheus/3.0' },
    });
    await request(`${srv.url}/debug/pprof/heap`, { headers: { Authorization: 'Bearer tok' } });
    await request(`${srv.url}/metrics`);
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toHaveLength(3);
    const [ok, forbidden, unauthorized] = events;
    expect(ok).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      requestURI: '/metrics?name[]=up',
      verb: 'get',
      user: { username: 'alice', uid: 'uid-alice', groups: ['devs', 'system:authenticated'] },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'Prometheus/3.0',
      responseStatus: { metadata: {}, code: 202 },
      annotations: {
        'authorization.k8s.io/decision': 'allow',
        'authorization.k8s.io/reason': 'RBAC: allowed by test',
        'authn-authz.kubediag.io/authenticated-by': 'token',
        'authn-authz.kubediag.io/result': 'allowed',
      },
    });
    expect(ok?.auditID).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(ok!.stageTimestamp)).toBeGreaterThanOrEqual(Date.parse(ok!.requestReceivedTimestamp));
    expect(ok?.annotations['authn-authz.kubediag.io/latency']).toMatch(/^\d+\.\d{3}ms$/);
    expect(forbidden).toMatchObject({
      responseStatus: {
        code: 403,
        status: 'Failure',
        reason: 'Forbidden',
        message: 'Authorization denied for user alice',
      },
      annotations: { 'authorization.k8s.io/decision': 'forbid' },
    });
    expect(unauthorized).toMatchObject({ user: {}, responseStatus: { code: 401, reason: 'Unauthorized' } });
    expect(unauthorized?.annotations['authorization.k8s.io/decision']).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain('Bearer');
  });

  it('logs audit events through the logger at the chosen verbosity only when enabled', async () => {
    const { core } = testCore({ audit: 3 });
    const quiet = recordingLogger(2);
    const loud = recordingLogger(3);
    const a = await listen(filterWith(core, quiet, echo([])));
    const b = await listen(filterWith(core, loud, echo([])));
    closers.push(a.close, b.close);
    await request(`${a.url}/metrics`);
    await request(`${b.url}/metrics`);
    expect(quiet.lines.filter((l) => l.msg === 'Audit')).toHaveLength(0);
    const line = loud.lines.find((l) => l.msg === 'Audit');
    expect(line).toMatchObject({ v: 3, kv: { kind: 'Event', verb: 'get', responseStatus: { code: 401 } } });
  });

  it('keeps serving when the audit callback throws', async () => {
    const { core } = testCore({
      audit: () => {
        throw new Error('sink down');
      },
    });
    const log = recordingLogger();
    const srv = await listen(filterWith(core, log, echo([])));
    closers.push(srv.close);
    expect((await request(`${srv.url}/healthz`)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 20));
    expect(log.lines.some((l) => l.level === 'error' && l.msg === 'Audit sink failed')).toBe(true);
  });
});

describe('FilterProvider', () => {
  it('is called once with the host context and records metrics on its registry', async () => {
    const registry = new Registry();
    const reviews = new FakeReviews().user('tok', 'alice').allow('alice', 'get', '/metrics');
    const provider = withAuthenticationAndAuthorization({ reviewClient: reviews, audit: false });
    const closable = await provider({ logger: recordingLogger(), registry });
    const srv = await listen(closable.filter(recordingLogger(), echo([])));
    closers.push(() => closable.close(), srv.close);
    for (let i = 0; i < 3; i++)
      await request(`${srv.url}/metrics`, { headers: { Authorization: 'Bearer tok' } });
    await request(`${srv.url}/metrics`);
    const text = await registry.metrics();
    expect(text).toContain('kubediag_authn_authz_decisions_total{result="allowed"} 3');
    expect(text).toContain('kubediag_authn_authz_decisions_total{result="unauthorized"} 1');
    expect(text).toContain('kubediag_authn_authz_cache_hits_total{cache="token"} 2');
    expect(text).toContain('kubediag_authn_authz_cache_misses_total{cache="authorization"} 1');
    expect(text).toContain(
      'kubediag_authn_authz_review_duration_seconds_count{review="token",outcome="success"} 1',
    );
    expect(text).toContain('kubediag_authn_authz_reviews_in_flight{review="token"} 0');
    expect(text).not.toContain('tok"');
  });

  it('hands batched counts to prom-client once per scrape, without double counting', async () => {
    const registry = new Registry();
    const m = await createFilterMetrics(registry);
    m.decision('allowed');
    m.decision('allowed');
    m.cacheHit('token');
    expect(await registry.metrics()).toContain('kubediag_authn_authz_decisions_total{result="allowed"} 2');
    m.decision('allowed');
    const text = await registry.metrics();
    expect(text).toContain('kubediag_authn_authz_decisions_total{result="allowed"} 3');
    expect(text).toContain('kubediag_authn_authz_decisions_total{result="forbidden"} 0');
    expect(text).toContain('kubediag_authn_authz_cache_hits_total{cache="token"} 1');
    expect(await registry.metrics()).toContain('kubediag_authn_authz_decisions_total{result="allowed"} 3');
  });

  it('tolerates a missing registry and a second registration on the same registry', async () => {
    const registry = new Registry();
    await createFilterMetrics(registry);
    const again = await createFilterMetrics(registry);
    again.decision('forbidden');
    expect(await registry.metrics()).toContain('kubediag_authn_authz_decisions_total{result="forbidden"} 1');
    const none = await createFilterMetrics(undefined);
    expect(() => none.decision('allowed')).not.toThrow();
  });
});

describe('Express-style middleware', () => {
  it('answers rejections itself and calls next() with the user set when allowed', async () => {
    const { core, reviews } = testCore();
    reviews.user('tok', 'alice').allow('alice', 'get', '/metrics');
    const mw = authnAuthzMiddleware(core);
    const seen: Seen[] = [];
    const handler = echo(seen);
    // What Express does with app.use(mw); app.get(...): run middleware, then the route on next().
    const srv = await listen((req, res) =>
      mw(req, res, (err) => (err === undefined ? handler(req, res) : res.destroy())),
    );
    closers.push(srv.close);
    expect((await request(`${srv.url}/metrics`)).status).toBe(401);
    const ok = await request(`${srv.url}/metrics`, { headers: { Authorization: 'bearer tok' } });
    expect([ok.status, ok.body]).toEqual([202, 'handled']);
    expect(seen).toEqual([
      expect.objectContaining({
        authorization: undefined,
        user: expect.objectContaining({ username: 'alice' }),
      }),
    ]);
  });
});
