import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ControllerErrorCode } from '../src/index.ts';

describe('ControllerErrorCode', () => {
  it('has SCREAMING_SNAKE keys whose values are KDIAG_CONTROLLER_<KEY>, exactly the codes the README lists', () => {
    for (const [key, value] of Object.entries(ControllerErrorCode)) {
      expect(key).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(value).toBe(`KDIAG_CONTROLLER_${key}`);
    }
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const errors = readme.split(/\n## /).find((s) => s.startsWith('Errors\n')) ?? '';
    expect(new Set(errors.match(/KDIAG_[A-Z_]+/g))).toEqual(new Set(Object.values(ControllerErrorCode)));
  });
});
