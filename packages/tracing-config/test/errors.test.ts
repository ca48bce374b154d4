import { readFileSync } from 'node:fs';
import { isKubediagError, KubediagError } from '@kubediag/options';
import { describe, expect, it } from 'vitest';
import { isTracingError, TracingError, TracingErrorCode } from '@kubediag/tracing-config';

describe('tracing errors', () => {
  it('codes are KDIAG_TRACING_<KEY>, each listed in the README Errors section', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Errors');
    const errors = readme.slice(start, readme.indexOf('\n## ', start + 1));
    for (const [key, code] of Object.entries(TracingErrorCode)) {
      expect(code).toBe(`KDIAG_TRACING_${key}`);
      expect(errors).toContain(`\`${code}\``);
    }
  });

  it('is the kit error, recognised by code', () => {
    const err = new TracingError(TracingErrorCode.EXPORT_FAILED, 'tracing shutdown: exporting spans failed');
    expect(err).toBeInstanceOf(KubediagError);
    expect(err.name).toBe('TracingError');
    expect(err.problems).toEqual([]);
    expect(isTracingError(err, TracingErrorCode.EXPORT_FAILED)).toBe(true);
    expect(isTracingError(err, TracingErrorCode.SHUTDOWN_TIMEOUT)).toBe(false);
    expect(isKubediagError(err, 'KDIAG_TRACING_EXPORT_FAILED')).toBe(true);
    expect(isTracingError(new Error('plain'))).toBe(false);
  });
});
