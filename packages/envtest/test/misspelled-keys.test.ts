import type { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  bindClusterRole,
  createClusterRole,
  createTestCertificateAuthority,
  createToken,
  findPeer,
  isEnvtestError,
  publishSecret,
  startCollector,
  startPrometheus,
  type EnvtestError,
  type ScrapeJob,
} from '../src/index.ts';

// Every object a test author writes for envtest refuses a key it does not know, before anything is
// started or sent: the error is KDIAG_ENVTEST_INVALID_OPTIONS with the key's full path.
const kc = {} as KubeConfig; // never used: validation comes first

async function problemsOf(run: () => unknown): Promise<EnvtestError['problems']> {
  let thrown: unknown;
  try {
    await run();
  } catch (err) {
    thrown = err;
  }
  if (!isEnvtestError(thrown, 'KDIAG_ENVTEST_INVALID_OPTIONS'))
    throw new Error(`not refused: ${String(thrown)}`);
  return thrown.problems;
}

describe('unit: a misspelled key is refused with its path', () => {
  it('createToken options', async () => {
    expect(await problemsOf(() => createToken(kc, 'ns', 'sa', { audience: ['x'] } as never))).toEqual([
      { path: 'audience', message: 'unknown option; did you mean "audiences"?' },
    ]);
  });

  it('createToken audiences, item by item', async () => {
    expect(await problemsOf(() => createToken(kc, 'ns', 'sa', { audiences: ['a', ''] }))).toEqual([
      { path: 'audiences[1]', message: 'expected a non-empty string, got ""' },
    ]);
  });

  it('findPeer options', async () => {
    expect(await problemsOf(() => findPeer('etcd', { dirr: '/x' } as never))).toEqual([
      { path: 'dirr', message: 'unknown option; did you mean "dir"?' },
    ]);
  });

  it('test certificate options and subject', async () => {
    const ca = await createTestCertificateAuthority();
    expect(
      await problemsOf(() => ca.issue({ commonName: 'x' }, { ipAddress: ['127.0.0.1'] } as never)),
    ).toEqual([{ path: 'ipAddress', message: 'unknown option; did you mean "ipAddresses"?' }]);
    expect(await problemsOf(() => ca.issue({ organisations: ['devs'] } as never))).toEqual([
      { path: 'subject.organisations', message: 'unknown option; did you mean "organizations"?' },
    ]);
    expect(
      await problemsOf(() => ca.issue({}, { usage: 'sever' as 'server', ipAddresses: ['localhost'] })),
    ).toEqual([
      { path: 'usage', message: 'expected one of "server", "client", got "sever"; did you mean "server"?' },
      { path: 'ipAddresses[0]', message: 'expected an IP address, got "localhost"' },
    ]);
  });

  it('startPrometheus scrape jobs', async () => {
    const job = { name: 'a', target: '127.0.0.1:1', token: 't', caPem: 'c' };
    const typo = { ...job, tokn: 't' } as unknown as ScrapeJob;
    expect(await problemsOf(() => startPrometheus([job, typo]))).toEqual([
      { path: 'jobs[1].tokn', message: 'unknown option; did you mean "token"?' },
    ]);
    expect(await problemsOf(() => startPrometheus([{ ...job, target: "x']" }]))).toEqual([
      { path: 'jobs[0].target', message: 'expected a host:port, got "x\']"' },
    ]);
  });

  it('startPrometheus options, and scrape protocols only for Prometheus 3', async () => {
    const job = { name: 'a', target: '127.0.0.1:1', token: 't', caPem: 'c' };
    expect(await problemsOf(() => startPrometheus([job], { verison: 3 } as never))).toEqual([
      { path: 'verison', message: 'unknown option; did you mean "version"?' },
    ]);
    expect(await problemsOf(() => startPrometheus([job], { version: 4 as 3 }))).toEqual([
      { path: 'version', message: 'expected one of 2, 3, got 4' },
    ]);
    const single = { ...job, scrapeProtocols: ['PrometheusText0.0.4'] as const };
    expect(await problemsOf(() => startPrometheus([single]))).toEqual([
      {
        path: 'jobs[0].scrapeProtocols',
        message: 'Prometheus 2.42 has no scrape_protocols; expected version 3 in the options',
      },
    ]);
    expect(
      await problemsOf(() =>
        startPrometheus([{ ...job, scrapeProtocols: ['OpenMetricsText1.0'] as never }], { version: 3 }),
      ),
    ).toEqual([
      {
        path: 'jobs[0].scrapeProtocols[0]',
        message: expect.stringContaining('expected one of "OpenMetricsText1.0.0"'),
      },
    ]);
  });

  it('startCollector options and their tls block', async () => {
    expect(await problemsOf(() => startCollector({ startTimeout: 1 } as never))).toEqual([
      { path: 'startTimeout', message: 'unknown option; did you mean "startTimeoutMs"?' },
    ]);
    expect(
      await problemsOf(() => startCollector({ tls: { certFile: '/c.pem', keyFle: '/k.pem' } as never })),
    ).toEqual([
      { path: 'tls.keyFle', message: 'unknown option; did you mean "keyFile"?' },
      { path: 'tls.keyFile', message: 'expected a file path, got undefined' },
    ]);
    expect(
      await problemsOf(() => startCollector({ tls: { certFile: '/c.pem: x', keyFile: '/k.pem' } })),
    ).toEqual([
      {
        path: 'tls.certFile',
        message: 'expected a file path of letters, digits and ./_@+-, got "/c.pem: x"',
      },
    ]);
  });

  it('cluster role rules and service account references', async () => {
    expect(
      await problemsOf(() =>
        createClusterRole(kc, 'r', [{ nonResourceURLs: ['/metrics'], verb: ['get'] } as never]),
      ),
    ).toEqual([{ path: 'rules[0].verb', message: 'unknown option; did you mean "verbs"?' }]);
    expect(
      await problemsOf(() => bindClusterRole(kc, 'r', { ns: 'n', serviceAccount: 's' } as never)),
    ).toEqual([{ path: 'subject.serviceAccount', message: 'unknown option; expected one of ns, sa' }]);
  });

  it('publishSecret generation', async () => {
    expect(await problemsOf(() => publishSecret('/nonexistent', 0, { certPem: 'c', keyPem: 'k' }))).toEqual([
      { path: 'generation', message: 'expected an integer >= 1, got 0' },
    ]);
  });
});
