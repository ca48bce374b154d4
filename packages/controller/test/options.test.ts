import { createDiscardLogger } from '@kubediag/klog';
import { isKubediagError } from '@kubediag/options';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  ControllerErrorCode,
  type ControllerError,
  createController,
  createReconcileMetrics,
  createWorkQueue,
  isControllerError,
  resolveControllerOptions,
  resolveWorkQueueOptions,
  validateControllerOptions,
  validateWorkQueueOptions,
  type ControllerOptions,
  type ReconcileMetricsOptions,
  type WorkQueueOptions,
} from '../src/index.ts';

const reconcile = async (): Promise<void> => undefined;

/** The problems of the ControllerError `fn` throws. */
function problemsOf(fn: () => unknown): readonly { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(isControllerError(err, ControllerErrorCode.INVALID_OPTIONS)).toBe(true);
    expect(isKubediagError(err, 'KDIAG_CONTROLLER_INVALID_OPTIONS')).toBe(true);
    return (err as ControllerError).problems;
  }
  throw new Error('expected a ControllerError');
}

describe('createController options', () => {
  const valid = { name: 'c', reconcile, logger: createDiscardLogger() };

  it('refuses a misspelled key with a suggestion', () => {
    expect(
      problemsOf(() => createController({ ...valid, maxConcurentReconciles: 2 } as ControllerOptions)),
    ).toEqual([
      { path: 'maxConcurentReconciles', message: 'unknown option; did you mean "maxConcurrentReconciles"?' },
    ]);
  });

  it('lists every wrong or missing field in one error', () => {
    const problems = problemsOf(() =>
      createController({
        maxConcurrentReconciles: 0,
        registry: {},
        span: 'x',
      } as unknown as ControllerOptions),
    );
    expect(problems).toEqual([
      { path: 'maxConcurrentReconciles', message: 'expected an integer >= 1, got 0' },
      { path: 'span', message: 'expected a span function (request, fn) => Promise, got "x"' },
      { path: 'registry', message: 'expected a prom-client Registry, got an object' },
      { path: 'name', message: 'expected a non-empty string, got undefined' },
      {
        path: 'reconcile',
        message: 'expected a reconcile function (request, log) => Promise, got undefined',
      },
      { path: 'logger', message: 'expected a @kubediag/klog Logger, got undefined' },
    ]);
  });

  it('names the options in the message', () => {
    expect(() => createController({ ...valid, name: '' })).toThrow(
      'invalid controller options: name: expected a non-empty string, got ""',
    );
  });

  it('resolves defaults without validating, and validates to no problem when valid', () => {
    const resolved = resolveControllerOptions(valid);
    expect(resolved.maxConcurrentReconciles).toBe(1);
    expect(typeof resolved.span).toBe('function');
    expect(validateControllerOptions(resolved)).toEqual([]);
    expect(
      validateControllerOptions(resolveControllerOptions({ ...valid, name: 1 as unknown as string })),
    ).toEqual([{ path: 'name', message: 'expected a non-empty string, got 1' }]);
  });
});

describe('createWorkQueue options', () => {
  it('refuses misspelled keys at every depth', () => {
    expect(
      problemsOf(() => createWorkQueue({ name: 'q', backof: {} } as unknown as WorkQueueOptions)),
    ).toEqual([{ path: 'backof', message: 'unknown option; did you mean "backoff"?' }]);
    expect(
      problemsOf(() => createWorkQueue({ name: 'q', backoff: { baseMS: 1 } } as unknown as WorkQueueOptions)),
    ).toEqual([{ path: 'backoff.baseMS', message: 'unknown option; did you mean "baseMs"?' }]);
  });

  it('fills one backoff bound and refuses a maximum below the base', () => {
    expect(resolveWorkQueueOptions({ name: 'q', backoff: { maxMs: 50 } }).backoff).toEqual({
      baseMs: 5,
      maxMs: 50,
    });
    expect(
      validateWorkQueueOptions(resolveWorkQueueOptions({ name: 'q', backoff: { baseMs: 10, maxMs: 2 } })),
    ).toEqual([{ path: 'backoff.maxMs', message: 'expected at least backoff.baseMs (10), got 2' }]);
    expect(
      problemsOf(() => createWorkQueue({ name: 'q', backoff: null } as unknown as WorkQueueOptions)),
    ).toEqual([{ path: 'backoff', message: 'expected an options object, got null' }]);
  });
});

describe('createReconcileMetrics options', () => {
  it('refuses a misspelled key and requires the controller and the registry', () => {
    expect(
      problemsOf(() =>
        createReconcileMetrics({
          controler: 'c',
          registry: new Registry(),
        } as unknown as ReconcileMetricsOptions),
      ),
    ).toEqual([
      { path: 'controler', message: 'unknown option; did you mean "controller"?' },
      { path: 'controller', message: 'expected a non-empty string, got undefined' },
    ]);
    expect(problemsOf(() => createReconcileMetrics({ controller: 'c' } as ReconcileMetricsOptions))).toEqual([
      { path: 'registry', message: 'expected a prom-client Registry, got undefined' },
    ]);
  });
});
