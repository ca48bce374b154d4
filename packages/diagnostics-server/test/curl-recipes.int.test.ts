import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { createLogger, getVerbosityControl } from '@kubediag/klog';
import { findPeer, useControlPlane } from '@kubediag/envtest';
import { withAuthenticationAndAuthorization } from '@kubediag/authn-authz-filter';
import { createDiagnosticsServer, type DiagnosticsServer } from '../src/index.ts';
import { setupDiagnosticsIdentities, type DiagnosticsIdentities } from '@kubediag/envtest';
import { run } from './support/exec.ts';

/**
 * The curl commands of the Cluster API diagnostics docs, run as written (loopback instead of a
 * port-forward) against the server with the real filter and a real kube-apiserver.
 */
describe('integration: Cluster API curl recipes', () => {
  let ids: DiagnosticsIdentities;
  let server: DiagnosticsServer;
  let base: string;
  let dir: string;
  const logger = createLogger({ verbosity: 2, output: { write: () => true } });
  const registry = new Registry();

  beforeAll(async () => {
    const cp = await useControlPlane();
    ids = await setupDiagnosticsIdentities(cp);
    dir = await mkdtemp(join(tmpdir(), 'kdiag-curl-'));
    new Counter({ name: 'kubediag_recipe_total', help: 'Recipe counter.', registers: [registry] }).inc(5);
    server = createDiagnosticsServer({
      bindAddress: '127.0.0.1:0',
      filterProvider: withAuthenticationAndAuthorization(),
      kubeConfig: ids.operatorKc,
      registry,
      logger,
    });
    await server.start();
    base = server.url!;
    await writeFile(join(dir, 'ca.crt'), server.servingCertificate()!.caPem!);
  });
  afterAll(async () => {
    await server?.stop(2000);
    await rm(dir, { recursive: true, force: true });
  });

  const curl = (args: string[]) => run('curl', ['-sS', ...args]);

  it('scrapes /metrics with a ServiceAccount token (curl -k)', async () => {
    const r = await curl([`${base}/metrics`, '--header', `Authorization: Bearer ${ids.readerToken}`, '-k']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubediag_recipe_total 5');
    // The filter registered its own metrics in the same registry (the name is part of its contract).
    expect(r.stdout).toContain('# TYPE kubediag_authn_authz_decisions_total counter');
  });

  it('verifies the generated certificate with --cacert', async () => {
    const r = await curl([
      `${base}/metrics`,
      '--cacert',
      join(dir, 'ca.crt'),
      '-H',
      `Authorization: Bearer ${ids.readerToken}`,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubediag_recipe_total 5');
  });

  it('answers 401 without a token and 403 for a ServiceAccount without RBAC', async () => {
    const none = await curl(['-k', '-o', '/dev/null', '-w', '%{http_code}', `${base}/metrics`]);
    expect(none.stdout).toBe('401');
    const denied = await curl([
      '-k',
      '-w',
      '\n%{http_code}',
      `${base}/metrics`,
      '-H',
      `Authorization: Bearer ${ids.nobodyToken}`,
    ]);
    expect(denied.stdout).toBe(`Authorization denied for user ${ids.nobodyUser}\n\n403`);
  });

  it('changes the log level with PUT /debug/flags/v -d 8', async () => {
    const r = await curl([
      `${base}/debug/flags/v`,
      '--header',
      `Authorization: Bearer ${ids.readerToken}`,
      '-X',
      'PUT',
      '-d',
      '8',
      '-k',
    ]);
    expect(r.stdout).toBe('successfully set klog.logging.verbosity to 8\n');
    expect(getVerbosityControl(logger).verbosity).toBe(8);
    // get on /debug/flags/v is not in the RBAC: the filter refuses before the 406.
    const get = await curl([
      '-k',
      '-w',
      '\n%{http_code}',
      `${base}/debug/flags/v`,
      '-H',
      `Authorization: Bearer ${ids.readerToken}`,
    ]);
    expect(get.stdout.endsWith('403')).toBe(true);
  });

  it('does not let a path trick reach /debug/flags/v without the filter deciding on it', async () => {
    for (const p of [
      '/metrics/../debug/flags/v',
      '/metrics/%2e%2e/debug/flags/v',
      '//debug/flags/v',
      '/./debug/flags/v',
    ]) {
      // --path-as-is keeps curl from cleaning the path itself.
      const r = await curl([
        '-k',
        '--path-as-is',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'PUT',
        '-d',
        '1',
        `${base}${p}`,
        '-H',
        `Authorization: Bearer ${ids.nobodyToken}`,
      ]);
      expect(r.stdout).toBe('301');
      // Following the redirect lands on the filter, which denies the ServiceAccount without RBAC.
      const followed = await curl([
        '-k',
        '--path-as-is',
        '-L',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `${base}${p}`,
        '-H',
        `Authorization: Bearer ${ids.nobodyToken}`,
      ]);
      expect(followed.stdout).toBe('403');
    }
    expect(getVerbosityControl(logger).verbosity).toBe(8);
  });

  it('serves goroutine?debug=2 as text', async () => {
    const out = join(dir, 'goroutine.txt');
    const r = await curl([
      `${base}/debug/pprof/goroutine?debug=2`,
      '--header',
      `Authorization: Bearer ${ids.readerToken}`,
      '-k',
      '-o',
      out,
      '-w',
      '%{http_code} %{content_type}',
    ]);
    expect(r.stdout).toMatch(/^200 text\/plain/);
  });

  it('serves profile?seconds=2 that go tool pprof reads', async () => {
    const out = join(dir, 'profile.out');
    const r = await curl([
      `${base}/debug/pprof/profile?seconds=2`,
      '--header',
      `Authorization: Bearer ${ids.readerToken}`,
      '-k',
      '-o',
      out,
      '-w',
      '%{http_code}',
    ]);
    expect(r.stdout).toBe('200');
    const go = findPeer('go');
    const top = await run(go, ['tool', 'pprof', '-top', out], 120_000);
    expect(top.stderr + top.stdout).not.toMatch(/parsing profile|unrecognized profile format/);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/flat%/);
  });

  it('gives bad input a clear status with the real filter in front', async () => {
    const auth = ['-H', `Authorization: Bearer ${ids.readerToken}`];
    const status = async (args: string[]) =>
      (await curl(['-k', '-o', '/dev/null', '-w', '%{http_code}', ...args])).stdout;
    expect(await status([...auth, '-H', `X-Big: ${'a'.repeat(20_000)}`, `${base}/metrics`])).toBe('431');
    expect(await status([...auth, '-X', 'TRACE', `${base}/metrics`])).toBe('405');
    const big = join(dir, 'big.txt');
    await writeFile(big, '9'.repeat(64 * 1024));
    expect(await status([...auth, '-X', 'PUT', '--data-binary', `@${big}`, `${base}/debug/flags/v`])).toBe(
      '413',
    );
    expect(await status([...auth, '--path-as-is', `${base}/debug%2Fflags/v`])).toBe('400');
    expect(await status([...auth, `${base}/nope`])).toBe('404');
    expect(await status([...auth, `${base}/debug/pprof/nope`])).toBe('404');
    expect(await status([...auth, `${base}/debug/pprof/heap?seconds=abc`])).toBe('400');
    expect(getVerbosityControl(logger).verbosity).toBe(8);
  });

  it('serves the health probes without a token', async () => {
    const r = await curl(['-k', '-w', '\n%{http_code}', `${base}/readyz?verbose`]);
    expect(r.stdout).toBe('[+]ping ok\nhealthz check passed\n\n200');
  });
});
