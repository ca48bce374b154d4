import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  createClientMetrics,
  isClientMetricsError,
  resolveClientMetricsOptions,
  validateClientMetricsOptions,
  type ClientMetricsOptions,
} from '../src/index.ts';

/** The problems, in path order (they come in the order of the resolved options' keys). */
function problemsOf(options: unknown) {
  try {
    createClientMetrics(options as ClientMetricsOptions).close();
  } catch (err) {
    expect(isClientMetricsError(err, 'KDIAG_CLIENT_METRICS_INVALID_OPTIONS')).toBe(true);
    return [...(err as { problems: { path: string }[] }).problems].sort((a, b) =>
      a.path.localeCompare(b.path),
    );
  }
  return [];
}

describe('createClientMetrics options', () => {
  it('fills the defaults: requests counted, no durations, bookmarks and the two bounds', () => {
    const registry = new Registry();
    expect(resolveClientMetricsOptions({ registry })).toEqual({
      registry,
      servers: [],
      requests: true,
      requestDuration: false,
      informers: { bookmarks: true, disconnectedAfterMs: 30_000, silentAfterMs: 300_000 },
    });
    expect(resolveClientMetricsOptions({ registry, informers: { silentAfterMs: 0 } }).informers).toEqual({
      bookmarks: true,
      disconnectedAfterMs: 30_000,
      silentAfterMs: 0,
    });
  });

  it('refuses wrong values with their paths, all at once', () => {
    expect(
      problemsOf({
        registry: {},
        kubeConfig: 'kubeconfig',
        servers: ['https://10.0.0.1', 'unix:///x.sock', 7],
        requests: 'yes',
        informers: { disconnectedAfterMs: -1, silentAfterMs: 1.5, bookmarks: 1 },
      }),
    ).toEqual([
      { path: 'informers.bookmarks', message: 'expected a boolean, got 1' },
      {
        path: 'informers.disconnectedAfterMs',
        message: 'expected a duration in milliseconds from 0 to 86400000, got -1',
      },
      {
        path: 'informers.silentAfterMs',
        message: 'expected a duration in milliseconds from 0 to 86400000, got 1.5',
      },
      { path: 'kubeConfig', message: 'expected a @kubernetes/client-node KubeConfig, got "kubeconfig"' },
      { path: 'registry', message: 'expected a prom-client Registry, got an object' },
      { path: 'requests', message: 'expected a boolean, got "yes"' },
      { path: 'servers[1]', message: 'expected an http(s) URL of an apiserver, got "unix:///x.sock"' },
      { path: 'servers[2]', message: 'expected an http(s) URL of an apiserver, got 7' },
    ]);
  });

  it('refuses misspelled keys at every depth, with a suggestion', () => {
    expect(
      problemsOf({ registry: new Registry(), requestDurations: true, informers: { silentAfter: 5 } }),
    ).toEqual([
      { path: 'informers.silentAfter', message: 'unknown option; did you mean "silentAfterMs"?' },
      { path: 'requestDurations', message: 'unknown option; did you mean "requestDuration"?' },
    ]);
  });

  it('needs a registry, and requests for durations', () => {
    expect(validateClientMetricsOptions(resolveClientMetricsOptions({} as ClientMetricsOptions))).toEqual([
      { path: 'registry', message: 'expected a prom-client Registry, got undefined' },
    ]);
    expect(problemsOf({ registry: new Registry(), requests: false, requestDuration: true })).toEqual([
      {
        path: 'requestDuration',
        message: 'needs requests, which is false: durations are taken from the requests counted',
      },
    ]);
  });

  it('says what is wrong in its message', () => {
    expect(() => createClientMetrics({ registry: new Registry(), servers: ['x'] })).toThrow(
      'invalid client metrics options: servers[0]: expected an http(s) URL of an apiserver, got "x"',
    );
  });
});
