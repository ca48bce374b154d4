import { describe, expect, it } from 'vitest';
import {
  collectCpuProfile,
  collectHeapProfile,
  createPprofHandler,
  isPprofError,
  PprofErrorCode,
  resolvePprofOptions,
  validatePprofOptions,
  type CollectCpuProfileOptions,
  type CollectHeapProfileOptions,
  type OptionProblem,
  type PprofError,
  type PprofOptions,
} from '@kubediag/pprof';
import { markValidated } from '@kubediag/options';
import { FakeBackend } from './support/fake-backend.ts';

function problemsOf(fn: () => unknown): readonly OptionProblem[] {
  try {
    fn();
  } catch (err) {
    expect(isPprofError(err, PprofErrorCode.INVALID_OPTIONS)).toBe(true);
    return (err as PprofError).problems;
  }
  throw new Error('expected a throw');
}

async function rejectedProblems(pending: Promise<unknown>): Promise<readonly OptionProblem[]> {
  const err = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPprofError(err, PprofErrorCode.INVALID_OPTIONS)).toBe(true);
  return (err as PprofError).problems;
}

describe('unit: pprof options', () => {
  it('fills Go-like defaults', () => {
    const o = resolvePprofOptions();
    expect(o.cpu).toEqual({ samplingIntervalMicros: 10_000, maxSeconds: 300 });
    expect(o.heap).toEqual({ samplingIntervalBytes: 524_288, stackDepth: 64, startOnCreate: true });
    expect(o.backend).toBe('inspector');
    expect(o.prefix).toBe('/debug/pprof/');
    expect(o.sourceMaps).toBe('auto');
    expect(o.goroutine).toEqual({ includeWorkers: true });
    expect(validatePprofOptions(o)).toEqual([]);
  });

  it('fills nested defaults key by key', () => {
    expect(resolvePprofOptions({ cpu: { maxSeconds: 60 } }).cpu).toEqual({
      samplingIntervalMicros: 10_000,
      maxSeconds: 60,
    });
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
    expect(problems[2]?.message).toBe('expected an integer from 100 to 1000000, got 10');
    expect(problems[3]?.message).toBe('expected an integer from 1 to 86400, got 0');
  });

  it('throws KDIAG_PPROF_INVALID_OPTIONS from createPprofHandler', () => {
    let err: unknown;
    try {
      createPprofHandler({ cpu: { maxSeconds: -1 } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      name: 'PprofError',
      code: 'KDIAG_PPROF_INVALID_OPTIONS',
      message: 'invalid pprof options: cpu.maxSeconds: expected an integer from 1 to 86400, got -1',
    });
  });

  it('refuses a misspelled key with its full path and a suggestion, at the top level and nested', () => {
    expect(
      problemsOf(() =>
        createPprofHandler({
          prefx: '/x/',
          cpu: { maxSecond: 30 },
          heap: { startOnCreat: false },
          goroutine: { includeWorker: false },
        } as PprofOptions),
      ),
    ).toEqual([
      { path: 'cpu.maxSecond', message: 'unknown option; did you mean "maxSeconds"?' },
      { path: 'heap.startOnCreat', message: 'unknown option; did you mean "startOnCreate"?' },
      { path: 'goroutine.includeWorker', message: 'unknown option; did you mean "includeWorkers"?' },
      { path: 'prefx', message: 'unknown option; did you mean "prefix"?' },
    ]);
  });

  it('refuses a wrong type with its path', () => {
    expect(
      problemsOf(() =>
        createPprofHandler({
          heap: { startOnCreate: 'no' },
          goroutine: false,
          logger: console.log,
        } as unknown as PprofOptions),
      ),
    ).toEqual([
      { path: 'heap.startOnCreate', message: 'expected a boolean, got "no"' },
      { path: 'goroutine', message: 'expected an options object, got false' },
      { path: 'logger', message: 'expected a logger with error() and V(), got a function' },
    ]);
  });

  it('suggests the backend a misspelled name meant, and accepts a ProfilerBackend', () => {
    expect(problemsOf(() => createPprofHandler({ backend: 'inspektor' as never }))).toEqual([
      {
        path: 'backend',
        message: 'expected one of "inspector", "datadog", "auto", got "inspektor"; did you mean "inspector"?',
      },
    ]);
    expect(problemsOf(() => createPprofHandler({ backend: {} as never }))).toEqual([
      {
        path: 'backend',
        message: 'expected "inspector", "datadog", "auto" or a ProfilerBackend, got an object',
      },
    ]);
    expect(validatePprofOptions(resolvePprofOptions({ backend: new FakeBackend() }))).toEqual([]);
  });

  it('fills the flight recorder defaults: off, 20 ms samples, a minute in 5 s chunks, 1 MiB, stalls over 500 ms kept in 256 KiB', () => {
    expect(resolvePprofOptions().flightRecorder).toEqual({
      enabled: false,
      cpuSamples: true,
      samplingIntervalMicros: 20_000,
      windowMs: 60_000,
      chunkMs: 5_000,
      maxBytes: 1024 * 1024,
      stalls: { enabled: true, thresholdMs: 500, keep: 10, maxBytes: 256 * 1024, logProfilePath: true },
    });
    expect(resolvePprofOptions({ flightRecorder: { stalls: { keep: 3 } } }).flightRecorder.stalls.keep).toBe(
      3,
    );
  });

  it('takes chunks as long as a window shorter than the default chunk, unless chunkMs is given', () => {
    expect(resolvePprofOptions({ flightRecorder: { windowMs: 1_000 } }).flightRecorder.chunkMs).toBe(1_000);
    expect(validatePprofOptions(resolvePprofOptions({ flightRecorder: { windowMs: 1_000 } }))).toEqual([]);
    expect(
      validatePprofOptions(resolvePprofOptions({ flightRecorder: { windowMs: 1_000, chunkMs: 2_000 } })),
    ).toEqual([
      {
        path: 'flightRecorder.chunkMs',
        message: 'expected at most flightRecorder.windowMs (1000), got 2000',
      },
    ]);
  });

  it('refuses a recorder with neither CPU samples nor stalls: it would record nothing', () => {
    const options = { flightRecorder: { enabled: true, cpuSamples: false, stalls: { enabled: false } } };
    expect(validatePprofOptions(resolvePprofOptions(options))).toEqual([
      {
        path: 'flightRecorder.cpuSamples',
        message:
          'expected true while flightRecorder.stalls.enabled is false (the recorder would record nothing)',
      },
    ]);
    expect(problemsOf(() => createPprofHandler(options))).toHaveLength(1);
    const stallsOnly = { flightRecorder: { enabled: true, cpuSamples: false } };
    expect(validatePprofOptions(resolvePprofOptions(stallsOnly))).toEqual([]);
    const off = { flightRecorder: { ...options.flightRecorder, enabled: false } };
    expect(validatePprofOptions(resolvePprofOptions(off))).toEqual([]);
  });

  it('refuses wrong and misspelled flight recorder options with their paths', () => {
    expect(
      problemsOf(() =>
        createPprofHandler({
          flightRecorder: {
            enabled: 'yes',
            samplingIntervalMicros: 100,
            windowMs: 10_000,
            chunkMs: 20_000,
            maxBytes: 0,
            stalls: { thresholdMs: 10, kep: 3, onStall: 'metrics' },
          },
        } as unknown as PprofOptions),
      ),
    ).toEqual([
      { path: 'flightRecorder.enabled', message: 'expected a boolean, got "yes"' },
      {
        path: 'flightRecorder.samplingIntervalMicros',
        message: 'expected an integer from 1000 to 1000000, got 100',
      },
      { path: 'flightRecorder.maxBytes', message: 'expected an integer from 1024 to 1073741824, got 0' },
      {
        path: 'flightRecorder.stalls.thresholdMs',
        message: 'expected a duration in milliseconds from 50 to 600000, got 10',
      },
      { path: 'flightRecorder.stalls.kep', message: 'unknown option; did you mean "keep"?' },
      {
        path: 'flightRecorder.stalls.onStall',
        message: 'expected a function called with each stall record, got "metrics"',
      },
      {
        path: 'flightRecorder.chunkMs',
        message: 'expected at most flightRecorder.windowMs (10000), got 20000',
      },
    ]);
    expect(
      problemsOf(() => createPprofHandler({ flightRecorder: { enabld: true } } as PprofOptions)),
    ).toEqual([{ path: 'flightRecorder.enabld', message: 'unknown option; did you mean "enabled"?' }]);
  });

  it('takes resolved options, and does not validate again what a composition root validated', async () => {
    const backend = new FakeBackend();
    const resolved = resolvePprofOptions({ backend, heap: { startOnCreate: false } });
    await createPprofHandler(resolved).close();
    // Marked as validated, even a block validation would refuse is taken as it is: checked once only.
    await createPprofHandler(markValidated({ ...resolved, note: 'added by the composition root' })).close();
    expect(backend.heapStarts).toBe(0);
  });
});

describe('unit: collect options', () => {
  it('refuses misspelled and mistyped collectCpuProfile options with their paths', async () => {
    expect(
      await rejectedProblems(
        collectCpuProfile({ durationMs: 100, samplingIntervalMicro: 1000 } as CollectCpuProfileOptions),
      ),
    ).toEqual([
      { path: 'samplingIntervalMicro', message: 'unknown option; did you mean "samplingIntervalMicros"?' },
    ]);
    expect(
      await rejectedProblems(collectCpuProfile({ signal: 'stop' } as unknown as CollectCpuProfileOptions)),
    ).toEqual([
      { path: 'signal', message: 'expected an AbortSignal, got "stop"' },
      {
        path: 'durationMs',
        message: 'expected a duration in milliseconds from 1 to 86400000, got undefined',
      },
    ]);
  });

  it('refuses misspelled and mistyped collectHeapProfile options with their paths', async () => {
    expect(
      await rejectedProblems(
        collectHeapProfile({ gc: 1, sourcemaps: false } as unknown as CollectHeapProfileOptions),
      ),
    ).toEqual([
      { path: 'gc', message: 'expected a boolean, got 1' },
      { path: 'sourcemaps', message: 'unknown option; did you mean "sourceMaps"?' },
    ]);
  });
});
