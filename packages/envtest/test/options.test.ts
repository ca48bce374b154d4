import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONTROL_PLANE_OPTIONS,
  resolveControlPlaneOptions,
  useExistingClusterFromEnv,
  validateControlPlaneOptions,
} from '../src/options.ts';
import { startControlPlane } from '../src/control-plane.ts';
import { ENVTEST_ERROR_CODES } from '../src/errors.ts';

describe('unit: control plane options', () => {
  it('fills every default when no option is given', () => {
    const o = resolveControlPlaneOptions({}, {});
    expect(o).toEqual({
      ...DEFAULT_CONTROL_PLANE_OPTIONS,
      useExistingCluster: false,
      assetsDir: undefined,
    });
    expect(validateControlPlaneOptions(o)).toEqual([]);
  });

  it('reads KUBEDIAG_USE_EXISTING_CLUSTER and KUBEDIAG_ASSETS from the environment', () => {
    expect(useExistingClusterFromEnv({ KUBEDIAG_USE_EXISTING_CLUSTER: '1' })).toBe(true);
    expect(useExistingClusterFromEnv({ KUBEDIAG_USE_EXISTING_CLUSTER: 'true' })).toBe(true);
    expect(useExistingClusterFromEnv({ KUBEDIAG_USE_EXISTING_CLUSTER: '0' })).toBe(false);
    expect(useExistingClusterFromEnv({})).toBe(false);
    const o = resolveControlPlaneOptions(
      {},
      { KUBEDIAG_USE_EXISTING_CLUSTER: '1', KUBEDIAG_ASSETS: '/opt/k8s' },
    );
    expect(o.useExistingCluster).toBe(true);
    expect(o.assetsDir).toBe('/opt/k8s');
  });

  it('lets an explicit option win over the environment, including false and 0', () => {
    const o = resolveControlPlaneOptions(
      { useExistingCluster: false, portConflictRetries: 0, stopTimeoutMs: 0 },
      { KUBEDIAG_USE_EXISTING_CLUSTER: '1' },
    );
    expect(o.useExistingCluster).toBe(false);
    expect(o.portConflictRetries).toBe(0);
    expect(o.stopTimeoutMs).toBe(0);
  });

  it('reports every problem with its field path', () => {
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
      'extraApiServerArgs.1',
      'startTimeoutMs',
      'portConflictRetries',
    ]);
    expect(problems[0]!.message).toBe('expected a boolean, got "yes"');
    expect(problems[1]!.message).toBe('expected a flag starting with "--", got "oops"');
  });

  it('rejects invalid options before starting anything', async () => {
    await expect(startControlPlane({ startTimeoutMs: 0 })).rejects.toMatchObject({
      code: ENVTEST_ERROR_CODES.INVALID_OPTIONS,
      message: expect.stringContaining(
        'startTimeoutMs: expected an integer in [1, 3600000], got 0',
      ) as unknown,
    });
  });
});
