import { describe, expect, it } from 'vitest';
import { nodeHeaderSlots } from '../src/internal/node-header-slots.ts';

describe('nodeHeaderSlots', () => {
  // CI runs this on every Node the project supports: when a release moves these internals, this fails
  // and the filter falls back to building both header maps before it edits rawHeaders.
  it(`finds where Node ${process.version} keeps its lazily built header maps`, () => {
    const slots = nodeHeaderSlots();
    expect(slots?.headers.description).toBe('kHeaders');
    expect(slots?.headersDistinct.description).toBe('kHeadersDistinct');
    expect(slots?.count.description).toBe('kHeadersCount');
  });
});
