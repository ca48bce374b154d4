import { describe, expect, it } from 'vitest';
import { watchFailure } from '../src/watch-failure.ts';

describe('watchFailure', () => {
  it("names client-node's HTTP failures by their status", () => {
    expect(watchFailure(Object.assign(new Error('Forbidden'), { statusCode: 403 }))).toBe('HTTP 403');
    // ApiException: `code` is the status.
    expect(watchFailure(Object.assign(new Error('HTTP-Code: 500 ...'), { code: 500 }))).toBe('HTTP 500');
  });

  it("names client-node 2.x's watch timeout and abort by their name, not their legacy DOMException code", () => {
    // 2.x ends a watch after 30 s without data with this; its code is 23 (TIMEOUT_ERR), not a status.
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(timeout.code).toBe(23);
    expect(watchFailure(timeout)).toBe('TimeoutError');
    expect(watchFailure(new DOMException('This operation was aborted', 'AbortError'))).toBe('AbortError');
  });

  it('names system errors by their code and never shows a message', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(watchFailure(refused)).toBe('ECONNREFUSED');
    expect(watchFailure(new TypeError('fetch failed for https://secret@host/'))).toBe('TypeError');
    expect(watchFailure({ code: 7, name: 'has spaces and a token=abc' })).toBe('error');
    expect(watchFailure('a string')).toBe('error');
    expect(watchFailure(null)).toBe('closed');
  });
});
