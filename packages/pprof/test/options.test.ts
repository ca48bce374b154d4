import { describe, expect, it } from 'vitest';
import {
  createPprofHandler,
  DEFAULT_PPROF_OPTIONS,
  InvalidPprofOptionsError,
  resolvePprofOptions,
  validatePprofOptions,
} from '@kubediag/pprof';

describe('unit: pprof options', () => {
  it('fills Go-like defaults', () => {
    const o = resolvePprofOptions();
    expect(o.cpu).toEqual({ samplingIntervalMicros: 10_000, maxSeconds: 300 });
    expect(o.heap.samplingIntervalBytes).toBe(524_288);
    expect(o.backend).toBe('inspector');
    expect(Object.isFrozen(DEFAULT_PPROF_OPTIONS)).toBe(true);
    expect(validatePprofOptions(o)).toEqual([]);
  });

  it('reports every problem with its path', () => {
    const problems = validatePprofOptions(
      resolvePprofOptions({
        backend: 'gperftools' as never,
        prefix: 'debug',
        cpu: { samplingIntervalMicros: 10, maxSeconds: 0 },
        heap: { samplingIntervalBytes: 1.5 },
        sourceMaps: 'yes' as never,
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'backend',
      'prefix',
      'cpu.samplingIntervalMicros',
      'cpu.maxSeconds',
      'heap.samplingIntervalBytes',
      'sourceMaps',
    ]);
    expect(problems[3]?.message).toBe('expected an integer from 1 to 86400, got 0');
  });

  it('throws KDIAG_PPROF_INVALID_OPTIONS from createPprofHandler', () => {
    expect(() => createPprofHandler({ cpu: { maxSeconds: -1 } })).toThrow(InvalidPprofOptionsError);
    try {
      createPprofHandler({ cpu: { maxSeconds: -1 } });
    } catch (err) {
      expect((err as InvalidPprofOptionsError).code).toBe('KDIAG_PPROF_INVALID_OPTIONS');
      expect((err as Error).message).toBe(
        'invalid pprof options: cpu.maxSeconds: expected an integer from 1 to 86400, got -1',
      );
    }
  });
});
