import { createServer, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  describe as describeValue,
  joinPath,
  prefixProblems,
  suggest,
  writeGoHttpError,
} from '../src/index.ts';

describe('paths', () => {
  it('one syntax: dots for keys, brackets for indexes and non-identifier keys', () => {
    expect(joinPath('', 'server')).toBe('server');
    expect(joinPath('server', 'bindAddress')).toBe('server.bindAddress');
    expect(joinPath('auth.audiences', 0)).toBe('auth.audiences[0]');
    expect(joinPath('server.extraHandlers', '/x')).toBe('server.extraHandlers["/x"]');
    expect(joinPath('', '/x')).toBe('["/x"]');
  });

  it('prefixProblems re-roots a block, its root and its bracketed keys included', () => {
    expect(
      prefixProblems('server', [
        { path: '', message: 'a' },
        { path: 'tls.minVersion', message: 'b' },
        { path: '["/x"]', message: 'c' },
      ]).map((p) => p.path),
    ).toEqual(['server', 'server.tls.minVersion', 'server["/x"]']);
  });
});

describe('describe', () => {
  it('names kinds of values without printing objects', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue({})).toBe('an object');
    expect(describeValue(new URL('http://x'))).toBe('an instance of URL');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(10n)).toBe('10');
  });
});

describe('suggest', () => {
  it('finds typos, swaps and case slips, and nothing for unrelated names', () => {
    const keys = ['bindAddress', 'secureServing', 'verbosity', 'maxSeconds', 'defaultMetrics'];
    expect(suggest('bindAdress', keys)).toBe('bindAddress');
    expect(suggest('bindaddress', keys)).toBe('bindAddress');
    expect(suggest('verbosty', keys)).toBe('verbosity');
    expect(suggest('vebrosity', keys)).toBe('verbosity');
    expect(suggest('maxSecond', keys)).toBe('maxSeconds');
    expect(suggest('defaultMetric', keys)).toBe('defaultMetrics');
    expect(suggest('port', keys)).toBeUndefined();
    expect(suggest('x', ['y'])).toBe('y');
    expect(suggest('x', ['yz'])).toBeUndefined();
  });
});

describe('writeGoHttpError', () => {
  function fakeResponse(headersSent = false) {
    const headers = new Map<string, string>([['content-length', '99']]);
    const res = {
      headersSent,
      statusCode: 200,
      body: undefined as string | undefined,
      destroyed: false,
      setHeader: (k: string, v: string) => headers.set(k.toLowerCase(), v),
      removeHeader: (k: string) => headers.delete(k.toLowerCase()),
      end: (b: string) => {
        res.body = b;
      },
      destroy: () => {
        res.destroyed = true;
      },
    };
    return { res, headers };
  }

  it('answers as Go http.Error: text/plain, nosniff, one trailing newline, its own Content-Length', () => {
    const { res, headers } = fakeResponse();
    writeGoHttpError(res as unknown as ServerResponse, 403, 'Authorization denied for user alice', {
      'X-Go-Pprof': '1',
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('Authorization denied for user alice\n');
    expect(headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-go-pprof')).toBe('1');
    // The stale 99 a handler set is replaced by the length of the error text.
    expect(headers.get('content-length')).toBe('36');
  });

  // Go's server sets Content-Length on a small body a handler wrote and returned from; Node sent
  // these answers chunked, because removeHeader('Content-Length') turns Node's own length off.
  it.each(['GET', 'HEAD'])(
    'sends %s answers with Content-Length on the wire, never chunked',
    async (method) => {
      const server = createServer((_req, res) => {
        res.setHeader('Content-Length', '99');
        writeGoHttpError(res, 401, 'Unauthorized');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const raw = await new Promise<string>((resolve, reject) => {
          let data = '';
          const socket = connect(port, '127.0.0.1', () =>
            socket.write(`${method} /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
          );
          socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
          socket.once('error', reject);
          socket.once('close', () => resolve(data));
        });
        const [head = '', body] = raw.split('\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
        expect(head).toContain('\r\nContent-Length: 13');
        expect(head.toLowerCase()).not.toContain('transfer-encoding');
        expect(body).toBe(method === 'HEAD' ? '' : 'Unauthorized\n');
      } finally {
        server.close();
      }
    },
  );

  it('cuts the connection when the headers are already out', () => {
    const { res } = fakeResponse(true);
    writeGoHttpError(res as unknown as ServerResponse, 500, 'late');
    expect(res.destroyed).toBe(true);
    expect(res.body).toBeUndefined();
  });
});
