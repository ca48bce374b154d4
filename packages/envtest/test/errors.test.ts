import { readFileSync } from 'node:fs';
import { isKubediagError, KubediagError } from '@kubediag/options';
import { describe, expect, it } from 'vitest';
import { EnvtestError, EnvtestErrorCode, isEnvtestError } from '../src/index.ts';

describe('unit: envtest errors', () => {
  it('codes are KDIAG_ENVTEST_<KEY>, each listed in the README Errors section', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const errors = readme.slice(
      readme.indexOf('## Errors'),
      readme.indexOf('\n## ', readme.indexOf('## Errors') + 1),
    );
    for (const [key, code] of Object.entries(EnvtestErrorCode)) {
      expect(code).toBe(`KDIAG_ENVTEST_${key}`);
      expect(errors).toContain(`\`${code}\``);
    }
  });

  it('is the kit error, recognised by code', () => {
    const cause = new Error('boom');
    const err = new EnvtestError(EnvtestErrorCode.STOPPED, 'x: the control plane was stopped', { cause });
    expect(err).toBeInstanceOf(KubediagError);
    expect(err.name).toBe('EnvtestError');
    expect(err.cause).toBe(cause);
    expect(err.problems).toEqual([]);
    expect(isEnvtestError(err, EnvtestErrorCode.STOPPED)).toBe(true);
    expect(isEnvtestError(err, EnvtestErrorCode.UNSUPPORTED)).toBe(false);
    expect(isKubediagError(err, 'KDIAG_ENVTEST_STOPPED')).toBe(true);
    expect(isEnvtestError(new Error('plain'))).toBe(false);
  });
});
