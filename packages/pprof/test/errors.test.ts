import { readFileSync } from 'node:fs';
import { isKubediagError } from '@kubediag/options';
import { describe, expect, it, vi } from 'vitest';
import {
  collectCpuProfile,
  createPprofHandler,
  isPprofError,
  PprofError,
  PprofErrorCode,
  type ProfilerBackend,
} from '@kubediag/pprof';
import { acquireCpuProfileLock } from '../src/internal/cpu-lock.ts';
import { leaseBackend } from '../src/select-backend.ts';

// As in an application that does not have the optional peer installed.
vi.mock('@datadog/pprof', () => {
  throw new Error('Cannot find package @datadog/pprof');
});

async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('unit: errors', () => {
  it('every error the package throws is a PprofError with a code of PprofErrorCode', async () => {
    const failing: ProfilerBackend = {
      name: 'failing',
      collectCpuProfile: () => Promise.reject(new Error('boom')),
      startHeapSampling: () => Promise.resolve(),
      collectHeapProfile: () => Promise.reject(new Error('boom')),
      stopHeapSampling: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const aborted = new AbortController();
    aborted.abort();
    const release = acquireCpuProfileLock();
    const inUse = await caught(() => collectCpuProfile({ durationMs: 10 }));
    release();
    const lease = leaseBackend('datadog', 'call');
    const recording = createPprofHandler({
      heap: { startOnCreate: false },
      flightRecorder: { enabled: true },
    });
    const secondRecorder = await caught(() =>
      createPprofHandler({ heap: { startOnCreate: false }, flightRecorder: { enabled: true } }),
    );
    await recording.close();
    const errors = [
      await caught(() => createPprofHandler({ prefix: 'x' })),
      inUse,
      await caught(() => lease.backend),
      await caught(() => collectCpuProfile({ durationMs: 10, backend: failing })),
      await caught(() => collectCpuProfile({ durationMs: 10, signal: aborted.signal })),
      secondRecorder,
    ];
    await lease.release();
    const codes: unknown[] = Object.values(PprofErrorCode);
    for (const err of errors) {
      expect(err).toBeInstanceOf(PprofError);
      expect(isPprofError(err)).toBe(true);
      expect(isKubediagError(err)).toBe(true);
      expect(codes).toContain((err as PprofError).code);
    }
    expect(errors.map((e) => (e as PprofError).code)).toEqual([
      'KDIAG_PPROF_INVALID_OPTIONS',
      'KDIAG_PPROF_CPU_PROFILE_IN_USE',
      'KDIAG_PPROF_BACKEND_UNAVAILABLE',
      'KDIAG_PPROF_PROFILE_FAILED',
      'KDIAG_PPROF_ABORTED',
      'KDIAG_PPROF_FLIGHT_RECORDER_IN_USE',
    ]);
    expect(new Set(errors.map((e) => (e as PprofError).code))).toEqual(new Set(codes));
    expect((errors[3] as PprofError).message).toBe('cpu profile failed: boom');
  });

  it('codes are KDIAG_PPROF_<KEY>, exactly the codes the README lists', () => {
    for (const [key, code] of Object.entries(PprofErrorCode)) expect(code).toBe(`KDIAG_PPROF_${key}`);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.split(/\n## /).find((s) => s.startsWith('Errors\n')) ?? '';
    expect(new Set(section.match(/KDIAG_[A-Z_]+/g))).toEqual(new Set(Object.values(PprofErrorCode)));
  });
});
