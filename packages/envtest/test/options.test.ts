import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  resolveControlPlaneOptions,
  validateControlPlaneOptions,
  type ControlPlaneOptions,
  type ResolvedControlPlaneOptions,
} from '../src/options.ts';
import { startControlPlane } from '../src/control-plane.ts';
import { EnvtestErrorCode, isEnvtestError } from '../src/errors.ts';

describe('unit: control plane options', () => {
  it('fills every default when no option is given', () => {
    const o = resolveControlPlaneOptions({}, {});
    expect(o).toEqual({
      auditLog: false,
      extraApiServerArgs: [],
      extraEtcdArgs: [],
      startTimeoutMs: 60_000,
      stopTimeoutMs: 5_000,
      portConflictRetries: 3,
      useExistingCluster: false,
      assetsDir: undefined,
    });
    expect(validateControlPlaneOptions(o)).toEqual([]);
    expect(resolveControlPlaneOptions(undefined, {})).toEqual(o);
    // Resolved options can be passed where options are taken.
    expectTypeOf<ResolvedControlPlaneOptions>().toExtend<ControlPlaneOptions>();
  });

  it('reads KUBEDIAG_USE_EXISTING_CLUSTER and KUBEDIAG_ASSETS from the environment', () => {
    const existing = (v: string | undefined) =>
      resolveControlPlaneOptions({}, { KUBEDIAG_USE_EXISTING_CLUSTER: v }).useExistingCluster;
    expect([existing('1'), existing('true'), existing(' TRUE '), existing('0'), existing(undefined)]).toEqual(
      [true, true, true, false, false],
    );
    const o = resolveControlPlaneOptions(
      {},
      { KUBEDIAG_USE_EXISTING_CLUSTER: '1', KUBEDIAG_ASSETS: '/opt/k8s' },
    );
    expect(o.useExistingCluster).toBe(true);
    expect(o.assetsDir).toBe('/opt/k8s');
    // An empty KUBEDIAG_ASSETS counts as unset, as in setup.sh.
    expect(resolveControlPlaneOptions({}, { KUBEDIAG_ASSETS: '' }).assetsDir).toBeUndefined();
  });

  it('lets an explicit option win over the environment, including false and 0', () => {
    const o = resolveControlPlaneOptions(
      { useExistingCluster: false, portConflictRetries: 0, stopTimeoutMs: 0, assetsDir: '/mine' },
      { KUBEDIAG_USE_EXISTING_CLUSTER: '1', KUBEDIAG_ASSETS: '/opt/k8s' },
    );
    expect(o.useExistingCluster).toBe(false);
    expect(o.portConflictRetries).toBe(0);
    expect(o.stopTimeoutMs).toBe(0);
    expect(o.assetsDir).toBe('/mine');
  });

  it('reports every problem with its field path, array items as x[i]', () => {
    const o = resolveControlPlaneOptions(
      {
        auditLog: 'yes' as unknown as boolean,
        startTimeoutMs: -1,
        extraApiServerArgs: ['--v=4', 'oops'],
        portConflictRetries: 1.5,
      },
      {},
    );
    const problems = validateControlPlaneOptions(o);
    expect(problems.map((p) => p.path)).toEqual([
      'auditLog',
      'extraApiServerArgs[1]',
      'startTimeoutMs',
      'portConflictRetries',
    ]);
    expect(problems[0]!.message).toBe('expected a boolean, got "yes"');
    expect(problems[1]!.message).toBe('expected a flag starting with "--", got "oops"');
  });

  it('refuses a misspelled option with its path and the option it meant', () => {
    const o = resolveControlPlaneOptions({ auditLg: true } as never, {});
    expect(validateControlPlaneOptions(o)).toEqual([
      { path: 'auditLg', message: 'unknown option; did you mean "auditLog"?' },
    ]);
  });

  it('rejects invalid options before starting anything, with every problem on the error', async () => {
    const err: unknown = await startControlPlane({
      startTimeoutMs: 0,
      extraEtcdArgs: ['-x'],
      stopTimeoutMS: 1,
    } as never).catch((e: unknown) => e);
    expect(isEnvtestError(err, EnvtestErrorCode.INVALID_OPTIONS)).toBe(true);
    const e = err as Error & { problems: unknown };
    expect(e.problems).toEqual([
      { path: 'extraEtcdArgs[0]', message: 'expected a flag starting with "--", got "-x"' },
      { path: 'startTimeoutMs', message: 'expected a duration in milliseconds from 1 to 3600000, got 0' },
      { path: 'stopTimeoutMS', message: 'unknown option; did you mean "stopTimeoutMs"?' },
    ]);
    expect(e.message).toMatch(
      /^invalid control plane options: extraEtcdArgs\[0\]: expected a flag .*; startTimeoutMs: .*; stopTimeoutMS: unknown option/,
    );
  });
});
