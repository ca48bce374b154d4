import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { listen, request } from './support/http.ts';

// A Node release that keeps its header maps elsewhere: the filter must still remove the credential
// everywhere and leave both maps readable.
vi.mock('../src/internal/node-header-slots.ts', () => ({ nodeHeaderSlots: () => undefined }));
const { stripAuthorization } = await import('../src/strip-authorization.ts');

describe('stripAuthorization without known Node internals', () => {
  it('removes the credential from rawHeaders, headers and headersDistinct', async () => {
    const seen: unknown[] = [];
    const srv = await listen((req: IncomingMessage, res) => {
      stripAuthorization(req);
      seen.push(req.rawHeaders.join(' '), { ...req.headers }, { ...req.headersDistinct });
      res.end('ok');
    });
    try {
      const res = await request(`${srv.url}/x`, { headers: { Authorization: 'Bearer tok', 'X-A': '1' } });
      expect(res.status).toBe(200);
    } finally {
      await srv.close();
    }
    const [raw, headers, distinct] = seen as [string, Record<string, unknown>, Record<string, unknown>];
    expect(raw).not.toContain('tok');
    expect(raw).toContain('X-A 1');
    expect(headers).toMatchObject({ 'x-a': '1' });
    expect(headers).not.toHaveProperty('authorization');
    expect(distinct).toMatchObject({ 'x-a': ['1'] });
    expect(distinct).not.toHaveProperty('authorization');
  });
});
