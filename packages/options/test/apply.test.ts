import { describe, expect, it } from 'vitest';
import {
  KubediagError,
  applyOptions,
  checkValue,
  extendValidated,
  formatProblems,
  integer,
  isKubediagError,
  markValidated,
  object,
  withDefaults,
  type OptionProblem,
  type OptionsSteps,
} from '../src/index.ts';

interface Options {
  readonly attempts?: number;
  readonly retry?: { readonly factor?: number; readonly initialDelayMs?: number };
}
interface Resolved {
  readonly attempts: number;
  readonly retry: { readonly factor: number; readonly initialDelayMs: number };
}

const DEFAULTS: Resolved = Object.freeze({
  attempts: 5,
  retry: Object.freeze({ factor: 2, initialDelayMs: 500 }),
});
const shape = object({
  attempts: integer({ min: 1 }),
  retry: object({ factor: integer(), initialDelayMs: integer() }),
});
let validations = 0;
const steps: OptionsSteps<Options, Resolved> = {
  resolve: (input) => withDefaults<Resolved>(DEFAULTS, input),
  validate: (resolved) => {
    validations++;
    return checkValue(shape, resolved);
  },
  invalid: (problems) =>
    new KubediagError('KDIAG_TEST_INVALID_OPTIONS', `invalid test options: ${formatProblems(problems)}`, {
      problems,
    }),
};

describe('withDefaults', () => {
  it('fills nested blocks key by key and keeps explicit zero, empty and false values', () => {
    expect(withDefaults<Resolved>(DEFAULTS, { retry: { factor: 0 } })).toEqual({
      attempts: 5,
      retry: { factor: 0, initialDelayMs: 500 },
    });
    expect(withDefaults(DEFAULTS, { attempts: undefined })).toEqual(DEFAULTS);
  });

  it('carries unknown keys along so that validation can refuse them', () => {
    const resolved = withDefaults<Resolved>(DEFAULTS, { retry: { factr: 3 } });
    expect(checkValue(shape, resolved)).toEqual([
      { path: 'retry.factr', message: 'unknown option; did you mean "factor"?' },
    ]);
  });

  it('replaces a default block by a value of another kind, for validation to judge', () => {
    expect(withDefaults<Record<string, unknown>>(DEFAULTS, { retry: false })['retry']).toBe(false);
  });

  it('neither copies nor freezes objects the user owns', () => {
    const registry = new Map<string, number>();
    const defaults = { registry: undefined, flags: undefined };
    const flags = { a: '1' };
    const resolved = withDefaults<{ registry: unknown; flags: unknown }>(defaults, { registry, flags });
    expect(resolved.registry).toBe(registry);
    expect(resolved.flags).toBe(flags);
    expect(Object.isFrozen(flags)).toBe(false);
    expect(Object.isFrozen(resolved)).toBe(true);
  });
});

describe('applyOptions', () => {
  it('throws once, listing every problem with its path', () => {
    let thrown: unknown;
    try {
      applyOptions({ attempts: 0, retry: { factr: 1 } } as Options, steps);
    } catch (err) {
      thrown = err;
    }
    expect(isKubediagError(thrown, 'KDIAG_TEST_INVALID_OPTIONS')).toBe(true);
    const problems: readonly OptionProblem[] = (thrown as KubediagError).problems;
    expect(problems.map((p) => p.path)).toEqual(['attempts', 'retry.factr']);
    expect((thrown as Error).message).toBe(
      'invalid test options: attempts: expected an integer >= 1, got 0; retry.factr: unknown option; did you mean "factor"?',
    );
  });

  it('refuses a root that is not an options object', () => {
    expect(() => applyOptions('fast' as unknown as Options, steps)).toThrow(
      'invalid test options: expected an options object, got "fast"',
    );
  });

  it('returns frozen options and does not validate them a second time', () => {
    const before = validations;
    const resolved = applyOptions<Options, Resolved>({ attempts: 2 }, steps);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(applyOptions<Options, Resolved>(resolved, steps)).toBe(resolved);
    expect(validations - before).toBe(1);
  });

  it('extendValidated keeps the mark on a copy with wiring added; unvalidated input is a programming error', () => {
    const resolved = markValidated(steps.resolve({}));
    const wired = extendValidated(resolved, { logger: 'x' });
    const before = validations;
    expect(applyOptions<Options, Resolved>(wired, steps)).toBe(wired);
    expect(validations).toBe(before);
    expect(() => extendValidated({ attempts: 1 }, {})).toThrow(TypeError);
  });
});

describe('KubediagError', () => {
  it('carries code, frozen problems and cause', () => {
    const cause = new Error('boom');
    const err = new KubediagError('KDIAG_X_FAILED', 'x failed: boom', {
      cause,
      problems: [{ path: 'a', message: 'b' }],
    });
    expect(err.code).toBe('KDIAG_X_FAILED');
    expect(err.cause).toBe(cause);
    expect(Object.isFrozen(err.problems)).toBe(true);
    expect(new KubediagError('KDIAG_X_FAILED', 'm').problems).toEqual([]);
  });

  it('is recognised across copies of the package through a registered symbol', () => {
    const foreign = new Error('from another copy');
    Object.defineProperty(foreign, Symbol.for('kubediag.error'), { value: true });
    Object.assign(foreign, { code: 'KDIAG_X_FAILED' });
    expect(isKubediagError(foreign, 'KDIAG_X_FAILED')).toBe(true);
    expect(isKubediagError(new Error('plain'))).toBe(false);
  });
});
