import type { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createToken, uniqueName } from '../src/fixtures.ts';
import { EnvtestErrorCode } from '../src/errors.ts';

describe('unit: fixtures', () => {
  it('makes unique DNS-1123 labels from any prefix', () => {
    const a = uniqueName('My_Test.Case');
    expect(a).toMatch(/^my-test-case-[0-9a-f]{8}$/);
    expect(uniqueName('x')).not.toBe(uniqueName('x'));
    expect(uniqueName('a'.repeat(100)).length).toBe(63);
    expect(uniqueName('---')).toMatch(/^x-[0-9a-f]{8}$/);
  });

  it('refuses a token lifetime under the apiserver minimum of 600 s before calling it', async () => {
    const kc = {} as KubeConfig; // never used: validation comes first
    await expect(createToken(kc, 'ns', 'sa', { expirationSeconds: 599 })).rejects.toMatchObject({
      code: EnvtestErrorCode.INVALID_OPTIONS,
      message: 'invalid token options: expirationSeconds: expected an integer >= 600, got 599',
      problems: [{ path: 'expirationSeconds', message: 'expected an integer >= 600, got 599' }],
    });
  });
});
