import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import { getVerbosityControl } from '@kubediag/klog';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DiagnosticsErrorCode,
  diagnosticsOptionsFromFlags,
  isDiagnosticsError,
  parseDiagnosticsFlags,
  withDiagnostics,
} from '../src/index.ts';
import type { Diagnostics } from '../src/index.ts';

interface Reply {
  status: number;
  body: string;
}

function call(
  url: string,
  path: string,
  init: { method?: string; token?: string; body?: string } = {},
): Promise<Reply> {
  const u = new URL(path, url);
  const send = u.protocol === 'https:' ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: init.method ?? 'GET',
        rejectUnauthorized: false,
        headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const TOKENS = ['reader-token,reader,u1,"readers"', 'ops-token,ops,u2,"ops"', 'nobody-token,nobody,u3'].join(
  '\n',
);
const RULES = [
  { groups: ['readers'], nonResourceURLs: ['/metrics'], verbs: ['get'] },
  { groups: ['ops'], nonResourceURLs: ['/debug/flags/v'], verbs: ['put'] },
  { groups: ['ops'], nonResourceURLs: ['/debug/pprof/*'], verbs: ['get'] },
];

let running: Diagnostics | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function startStatic(extra: Parameters<typeof withDiagnostics>[0] = {}): Promise<Diagnostics> {
  const out = new PassThrough();
  out.resume();
  running = await withDiagnostics({
    name: 'test-operator',
    server: { bindAddress: '127.0.0.1:0' },
    staticAuth: { tokens: TOKENS, rules: RULES },
    logging: { output: out, verbosity: 2 },
    metrics: { registry: new Registry() },
    ...extra,
  });
  await running.start();
  return running;
}

describe('withDiagnostics', () => {
  it('serves a secure port that authenticates and authorizes every request but the probes', async () => {
    const d = await startStatic();
    const url = d.server.url!;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(d.config).toMatchObject({ mode: 'secure', auth: 'static', profiling: true, defaultMetrics: true });
    expect(Object.isFrozen(d.config)).toBe(true);

    expect(await call(url, '/metrics')).toEqual({ status: 401, body: 'Unauthorized\n' });
    expect(await call(url, '/metrics', { token: 'wrong' })).toEqual({ status: 401, body: 'Unauthorized\n' });
    expect(await call(url, '/metrics', { token: 'nobody-token' })).toEqual({
      status: 403,
      body: 'Authorization denied for user nobody\n',
    });
    const metrics = await call(url, '/metrics', { token: 'reader-token' });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('process_cpu_seconds_total');
    expect((await call(url, '/healthz')).status).toBe(200);
  });

  it('changes the shared verbosity through PUT /debug/flags/v for authorized callers only', async () => {
    const d = await startStatic();
    const url = d.server.url!;
    const child = d.logger.withName('reconciler');
    expect(child.V(4).enabled).toBe(false);
    expect(
      await call(url, '/debug/flags/v', { method: 'PUT', body: '4', token: 'reader-token' }),
    ).toMatchObject({
      status: 403,
    });
    expect(await call(url, '/debug/flags/v', { method: 'PUT', body: '4', token: 'ops-token' })).toEqual({
      status: 200,
      body: 'successfully set klog.logging.verbosity to 4\n',
    });
    expect(getVerbosityControl(d.logger).verbosity).toBe(4);
    expect(child.V(4).enabled).toBe(true);
  });

  it('registers readiness checks on the port', async () => {
    const d = await startStatic();
    let synced = false;
    d.addReadyzCheck('informer-sync', async () => {
      if (!synced) throw new Error('not synced');
    });
    expect((await call(d.server.url!, '/readyz')).status).toBe(500);
    synced = true;
    expect(await call(d.server.url!, '/readyz')).toEqual({ status: 200, body: 'ok' });
  });

  it('serves only /metrics and health in insecure mode', async () => {
    const out = new PassThrough();
    out.resume();
    running = await withDiagnostics({
      server: { bindAddress: '127.0.0.1:0', secureServing: false },
      logging: { output: out },
      metrics: { registry: new Registry(), defaultMetrics: false },
    });
    await running.start();
    const url = running.server.url!;
    expect(url).toMatch(/^http:\/\//);
    expect(running.config).toMatchObject({ mode: 'insecure', auth: 'none', profiling: false });
    expect((await call(url, '/metrics')).status).toBe(200);
    expect((await call(url, '/debug/pprof/')).status).toBe(404);
    expect((await call(url, '/debug/flags/v', { method: 'PUT', body: '9' })).status).toBe(404);
  });

  it('wires controllers to the registry with controller-runtime metric names', async () => {
    const d = await startStatic();
    const controller = d.createController({ name: 'widgets', reconcile: async () => undefined });
    controller.enqueue({ namespace: 'ns', name: 'w' });
    const loop = controller.start();
    await controller.stop();
    await loop;
    const metrics = await call(d.server.url!, '/metrics', { token: 'reader-token' });
    expect(metrics.body).toContain(
      'controller_runtime_reconcile_total{controller="widgets",result="success"} 1',
    );
    expect(metrics.body).toContain('workqueue_adds_total{name="widgets",controller="widgets"} 1');
  });

  it('lists every invalid option with its path in one error', async () => {
    const err = await withDiagnostics({
      server: { bindAddress: 'nonsense', maxHeaderSize: -1 },
      staticAuth: { rules: [{ nonResourceURLs: [], verbs: [] }] },
      logging: { format: 'xml' as 'json' },
      profiling: { cpu: { maxSeconds: 900 } },
      bogus: true,
    } as Parameters<typeof withDiagnostics>[0]).catch((e: unknown) => e);
    expect(isDiagnosticsError(err, DiagnosticsErrorCode.INVALID_OPTIONS)).toBe(true);
    const paths = isDiagnosticsError(err) ? err.problems.map((p) => p.path) : [];
    expect(paths).toEqual(
      expect.arrayContaining([
        'bogus',
        'server.bindAddress',
        'server.maxHeaderSize',
        'staticAuth',
        'staticAuth.rules[0]',
        'staticAuth.rules[0].nonResourceURLs',
        'staticAuth.rules[0].verbs',
        'logging.format',
        'profiling.cpu.maxSeconds',
      ]),
    );
    expect(err).toMatchObject({ code: 'KDIAG_DIAGNOSTICS_INVALID_OPTIONS' });
    expect((err as Error).message).toMatch(/^invalid diagnostics options: /);
  });

  it('names the operator on /statusz, and keeps it off when server.zpages is false', async () => {
    const staticAuth = {
      tokens: TOKENS,
      rules: [...RULES, { groups: ['readers'], nonResourceURLs: ['/statusz'], verbs: ['get'] }],
    };
    const on = await startStatic({ staticAuth });
    const statusz = await call(on.server.url!, '/statusz', { token: 'reader-token' });
    expect(statusz.status).toBe(200);
    expect(statusz.body).toContain('test-operator');
    await on.stop();
    const off = await startStatic({ staticAuth, server: { bindAddress: '127.0.0.1:0', zpages: false } });
    expect((await call(off.server.url!, '/statusz', { token: 'reader-token' })).status).toBe(404);
  });

  it('refuses a second start', async () => {
    const d = await startStatic();
    await expect(d.start()).rejects.toMatchObject({ code: 'KDIAG_DIAGNOSTICS_ALREADY_STARTED' });
  });

  it('turns Cluster API flags into options', () => {
    const { values } = parseDiagnosticsFlags(
      ['--diagnostics-address=localhost:8080', '--insecure-diagnostics', '-v=5'],
      {},
    );
    const options = diagnosticsOptionsFromFlags(values);
    expect(options.server).toMatchObject({ bindAddress: 'localhost:8080', secureServing: false });
    expect(options.logging).toMatchObject({ verbosity: 5, format: 'text' });
    expect(() => diagnosticsOptionsFromFlags(parseDiagnosticsFlags(['-v=x'], {}).values)).toThrow(
      'invalid argument "x" for "-v, --v" flag',
    );
  });
});
