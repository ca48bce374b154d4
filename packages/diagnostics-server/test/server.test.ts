import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry, Counter, openMetricsContentType, type OpenMetricsContentType } from 'prom-client';
import { createDiscardLogger, createLogger, getVerbosityControl } from '@kubediag/klog';
import { call } from './support/http-client.ts';
import { GOOD, startServer, type FilterRecord } from './support/test-server.ts';
import type { DiagnosticsServer } from '../src/index.ts';

describe('unit: secure diagnostics server', () => {
  let server: DiagnosticsServer;
  let records: FilterRecord[];
  let stop: () => Promise<void>;
  const registry = new Registry();
  const logger = createLogger({ verbosity: 2, output: { write: () => true } });
  const counter = new Counter({
    name: 'kubediag_test_total',
    help: 'A test counter.',
    registers: [registry],
  });
  counter.inc(3);
  new Counter({ name: 'kubediag_padding_total', help: 'x'.repeat(2000), registers: [registry] });
  const seenByHandler: string[] = [];

  beforeAll(async () => {
    ({ server, records, stop } = await startServer({
      registry,
      logger,
      extraHandlers: {
        '/debug/echo': (req, res) => {
          seenByHandler.push(req.url ?? '');
          res.end(`echo ${req.url}\n`);
        },
      },
      zpages: {
        componentName: 'test-operator',
        binaryVersion: '1.2.3',
        flags: { v: '2', 'kube-api-token': 's3cr3t', 'cert-dir': '/x' },
        confidentialFlags: ['cert-dir'],
      },
    }));
  });
  afterAll(async () => {
    await stop();
  });

  it('serves /metrics in the registry format with a valid token', async () => {
    const r = await call(server, { path: '/metrics', headers: GOOD });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).toContain('kubediag_test_total 3');
    expect(records.at(-1)).toEqual({ path: '/metrics', verb: 'get', user: 'alice' });
  });

  it('gzips /metrics when the client accepts gzip', async () => {
    const r = await call(server, { path: '/metrics', headers: { ...GOOD, 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.body).toContain('kubediag_test_total 3');
  });

  it('answers the filter decision: 401 without a token, 403 when denied', async () => {
    expect((await call(server, { path: '/metrics' })).status).toBe(401);
    const denied = await call(server, { path: '/metrics', headers: { Authorization: 'Bearer bad' } });
    expect(denied.status).toBe(403);
    expect(denied.body).toBe('Authorization denied for user bob\n');
  });

  it('answers HEAD on /metrics with headers only', async () => {
    const r = await call(server, { method: 'HEAD', path: '/metrics', headers: GOOD });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
  });

  it('sets the verbosity with PUT /debug/flags/v and answers the exact texts', async () => {
    const ok = await call(server, { method: 'PUT', path: '/debug/flags/v', headers: GOOD, body: '8' });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('successfully set klog.logging.verbosity to 8\n');
    expect(ok.headers['content-type']).toBe('text/plain');
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(getVerbosityControl(logger).verbosity).toBe(8);
    const bad = await call(server, { method: 'PUT', path: '/debug/flags/v', headers: GOOD, body: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('strconv.ParseUint: parsing "abc": invalid syntax\n');
    const nl = await call(server, { method: 'PUT', path: '/debug/flags/v', headers: GOOD, body: '8\n' });
    expect(nl.status).toBe(400);
    expect(records.at(-1)).toEqual({ path: '/debug/flags/v', verb: 'put', user: 'alice' });
  });

  it('answers 406 unsupported http method for GET /debug/flags/v after the filter', async () => {
    const r = await call(server, { path: '/debug/flags/v', headers: GOOD });
    expect(r.status).toBe(406);
    expect(r.body).toBe('unsupported http method\n');
    expect(records.at(-1)).toEqual({ path: '/debug/flags/v', verb: 'get', user: 'alice' });
  });

  it('refuses a PUT body over the limit with 413', async () => {
    const r = await call(server, {
      method: 'PUT',
      path: '/debug/flags/v',
      headers: GOOD,
      body: '1'.repeat(2048),
    });
    expect(r.status).toBe(413);
  });

  it('routes /debug/pprof/* to the pprof handler and redirects /debug/pprof with 301', async () => {
    const r = await call(server, { path: '/debug/pprof/goroutine?debug=2', headers: GOOD });
    expect(r.status).toBe(200);
    expect(r.body).toBe('pprof /debug/pprof/goroutine?debug=2\n');
    const redirect = await call(server, { path: '/debug/pprof?x=1', headers: GOOD });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/debug/pprof/?x=1');
  });

  it('answers 404 page not found for unknown paths', async () => {
    const r = await call(server, { path: '/nope', headers: GOOD });
    expect(r.status).toBe(404);
    expect(r.body).toBe('404 page not found\n');
  });

  it.each([
    ['//metrics', '/metrics'],
    ['/./debug/flags/v', '/debug/flags/v'],
    ['/metrics/../debug/flags/v', '/debug/flags/v'],
    ['/metrics/%2e%2e/debug/flags/v', '/debug/flags/v'],
    ['/debug//pprof/heap', '/debug/pprof/heap'],
  ])('redirects the unclean path %s to %s without running the filter or a handler', async (raw, clean) => {
    const before = records.length;
    const r = await call(server, { method: 'PUT', path: raw, headers: GOOD, body: '9' });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(clean);
    expect(records.length).toBe(before);
  });

  it.each(['/debug%2Fflags/v', '/debug/flags%2fv', '/metrics%00', '/%', '/debug\\flags/v', '/metrics%5c'])(
    'rejects the ambiguous path %s with 400',
    async (raw) => {
      const before = records.length;
      const r = await call(server, { path: raw, headers: GOOD });
      expect(r.status).toBe(400);
      expect(records.length).toBe(before);
    },
  );

  it('gives filter and handler the same decoded path', async () => {
    const r = await call(server, { path: '/debug/%65cho?a=%2F', headers: GOOD });
    expect(r.status).toBe(200);
    expect(records.at(-1)?.path).toBe('/debug/echo');
    expect(seenByHandler.at(-1)).toBe('/debug/echo?a=%2F');
  });

  it('answers TRACE with 405 on every route without calling the filter', async () => {
    for (const path of ['/metrics', '/debug/flags/v', '/debug/pprof/', '/healthz', '/statusz']) {
      const before = records.length;
      const r = await call(server, { method: 'TRACE', path, headers: GOOD });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBeTruthy();
      expect(records.length).toBe(before);
    }
  });

  it('answers OPTIONS with 204 and Allow, and 405 for unsupported methods', async () => {
    const opt = await call(server, { method: 'OPTIONS', path: '/metrics', headers: GOOD });
    expect(opt.status).toBe(204);
    expect(opt.headers.allow).toBe('GET, HEAD, OPTIONS');
    const post = await call(server, { method: 'POST', path: '/metrics', headers: GOOD });
    expect(post.status).toBe(405);
    const del = await call(server, { method: 'DELETE', path: '/healthz' });
    expect(del.status).toBe(405);
  });

  it('serves health without a token and never calls the filter for it', async () => {
    const before = records.length;
    const r = await call(server, { path: '/readyz' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok');
    expect(records.length).toBe(before);
  });

  it('serves /statusz text with the warning header, behind the filter', async () => {
    expect((await call(server, { path: '/statusz' })).status).toBe(401);
    const r = await call(server, { path: '/statusz', headers: GOOD });
    expect(r.status).toBe(200);
    expect(r.body).toMatch(
      /^\ntest-operator statusz\nWarning: This endpoint is not meant to be machine parseable/,
    );
    expect(r.body).toMatch(/\nBinary version(:|: |=| )1\.2\.3\n/);
    expect(r.body).toMatch(
      /\nPaths(:|: |=| )\/debug \/flagz \/healthz \/livez \/metrics \/readyz \/statusz\n/,
    );
  });

  it('serves /statusz as structured JSON for the Statusz media type', async () => {
    const accept = 'application/json;g=config.k8s.io;v=v1beta1;as=Statusz';
    const r = await call(server, { path: '/statusz', headers: { ...GOOD, Accept: accept } });
    expect(r.headers['content-type']).toBe(accept);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({
      kind: 'Statusz',
      apiVersion: 'config.k8s.io/v1beta1',
      metadata: { name: 'test-operator' },
      binaryVersion: '1.2.3',
    });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const bad = await call(server, { path: '/statusz', headers: { ...GOOD, Accept: 'application/json' } });
    expect(bad.status).toBe(406);
  });

  it('redacts confidential and credential-looking flags in /flagz', async () => {
    const r = await call(server, { path: '/flagz', headers: GOOD });
    expect(r.body).toMatch(
      /\ncert-dir(:|: |=| )CLASSIFIED\nkube-api-token(:|: |=| )CLASSIFIED\nv(:|: |=| )2\n$/,
    );
    expect(r.body).not.toContain('s3cr3t');
    const json = await call(server, {
      path: '/flagz',
      headers: { ...GOOD, Accept: 'application/json;g=config.k8s.io;v=v1beta1;as=Flagz' },
    });
    expect(JSON.parse(json.body)).toMatchObject({
      kind: 'Flagz',
      flags: { v: '2', 'kube-api-token': 'CLASSIFIED' },
    });
  });

  it('answers an absolute-form request target on the same route', async () => {
    const r = await call(server, { path: `${server.url}/metrics`, headers: GOOD });
    expect(r.status).toBe(200);
    expect(records.at(-1)?.path).toBe('/metrics');
  });
});

describe('unit: /metrics edge cases', () => {
  it('answers 500 when collection fails', async () => {
    const registry = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: () => Promise.reject(new Error('boom')),
    };
    const { server, stop } = await startServer({ registry });
    try {
      const r = await call(server, { path: '/metrics', headers: GOOD });
      expect(r.status).toBe(500);
      expect(r.body).toBe('An error has occurred while serving metrics:\n\nboom\n');
    } finally {
      await stop();
    }
  });

  it('serves OpenMetrics from an OpenMetrics registry and 406 when Accept excludes it', async () => {
    // prom-client's typings omit the constructor argument; setContentType is the typed way.
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(openMetricsContentType);
    new Counter({ name: 'om_things_total', help: 'h', registers: [registry] }).inc();
    const { server, stop } = await startServer({ registry });
    try {
      const r = await call(server, {
        path: '/metrics',
        headers: { ...GOOD, Accept: 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' },
      });
      expect(r.headers['content-type']).toBe(openMetricsContentType);
      expect(r.body).toContain('om_things_total 1');
      expect(r.body.endsWith('# EOF\n')).toBe(true);
      const refused = await call(server, { path: '/metrics', headers: { ...GOOD, Accept: 'text/plain' } });
      expect(refused.status).toBe(406);
    } finally {
      await stop();
    }
  });
});

describe('unit: insecure mode', () => {
  it('serves /metrics and health over plain HTTP and registers nothing else', async () => {
    const registry = new Registry();
    const { server, stop } = await startServer({ secureServing: false, filterProvider: null, registry });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await call(server, { path: '/metrics' })).status).toBe(200);
      expect((await call(server, { path: '/healthz' })).status).toBe(200);
      for (const path of ['/debug/flags/v', '/debug/pprof/', '/debug/pprof/heap', '/statusz', '/flagz']) {
        expect((await call(server, { method: 'PUT', path, body: '9' })).status).toBe(404);
      }
    } finally {
      await stop();
    }
  });
});

describe('unit: health endpoints', () => {
  it('follows controller-runtime: sorted, verbose, exclude, reason withheld, single check, implicit ping', async () => {
    const { server, stop } = await startServer({ logger: createDiscardLogger() });
    try {
      const implicit = await call(server, { path: '/livez?verbose' });
      expect(implicit.body).toBe('[+]ping ok\nhealthz check passed\n');
      expect((await call(server, { path: '/livez/ping' })).body).toBe('ok');

      server.addReadyzCheck('zeta', () => undefined);
      server.addReadyzCheck('alpha', async () => undefined);
      expect((await call(server, { path: '/readyz' })).body).toBe('ok');
      expect((await call(server, { path: '/readyz/?verbose=false' })).body).toBe(
        '[+]alpha ok\n[+]zeta ok\nhealthz check passed\n',
      );

      server.addReadyzCheck('db', () => {
        throw new Error('connection refused');
      });
      const failed = await call(server, { path: '/readyz' });
      expect(failed.status).toBe(500);
      expect(failed.body).toBe(
        '[+]alpha ok\n[-]db failed: reason withheld\n[+]zeta ok\nhealthz check failed\n',
      );
      const quiet = await call(server, { path: '/readyz?exclude=db&exclude=nope' });
      expect([quiet.status, quiet.body]).toEqual([200, 'ok']);
      const excluded = await call(server, { path: '/readyz?exclude=db&exclude=nope&exclude=other&verbose' });
      expect(excluded.status).toBe(200);
      expect(excluded.body).toBe(
        '[+]alpha ok\n[+]db excluded: ok\n[+]zeta ok\nwarn: some health checks cannot be excluded: no matches for "nope","other"\nhealthz check passed\n',
      );
      const single = await call(server, { path: '/readyz/db' });
      expect(single.status).toBe(500);
      expect(single.body).toBe('internal server error: connection refused\n');
      expect((await call(server, { path: '/readyz/unknown' })).status).toBe(404);
      expect(() => server.addReadyzCheck('db', () => undefined)).toThrow(
        'readyz checker with name db already exists',
      );
    } finally {
      await stop();
    }
  });

  it('fails a check that does not finish within healthCheckTimeoutMs', async () => {
    const { server, stop } = await startServer({ healthCheckTimeoutMs: 50 });
    try {
      server.addHealthzCheck('hang', () => new Promise(() => undefined));
      const r = await call(server, { path: '/healthz/hang' });
      expect(r.status).toBe(500);
      expect(r.body).toBe('internal server error: check did not finish within 50ms\n');
    } finally {
      await stop();
    }
  });
});
