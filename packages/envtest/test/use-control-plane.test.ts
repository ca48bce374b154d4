import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../src/index.ts';
import { useControlPlane as useControlPlaneFromSubpath } from '../src/vitest.ts';
import { EnvtestErrorCode } from '../src/errors.ts';

describe('unit: useControlPlane', () => {
  it('says where a control plane comes from when the global setup did not provide one', async () => {
    // The unit project has no envtest global setup, so nothing was provided.
    await expect(useControlPlane()).rejects.toMatchObject({
      code: EnvtestErrorCode.NOT_PROVIDED,
      message: expect.stringContaining('vitest-global-setup.ts') as unknown,
    });
    await expect(useControlPlaneFromSubpath()).rejects.toMatchObject({
      code: EnvtestErrorCode.NOT_PROVIDED,
    });
  });
});
