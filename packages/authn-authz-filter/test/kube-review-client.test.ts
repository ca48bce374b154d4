import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthnAuthzErrorCode } from '../src/errors.ts';
import { createKubeReviewClient } from '../src/kube-review-client.ts';
import { listen } from './support/http.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: unknown;
}

async function fakeApiserver(answer: (req: IncomingMessage, res: ServerResponse, body: unknown) => void) {
  const seen: Seen[] = [];
  const srv = await listen((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, res, body);
    });
  });
  closers.push(srv.close);
  // A plain-HTTP test double of the apiserver: the transport details under test do not depend on TLS.
  const kc = {
    getCurrentCluster: () => ({ server: `${srv.url}/prefix/` }),
    applyToHTTPSOptions: async (opts: { headers?: Record<string, string> }) => {
      opts.headers = { ...opts.headers, Authorization: 'Bearer operator-token' };
    },
  };
  return { client: createKubeReviewClient(kc), seen, url: srv.url };
}

const signal = () => AbortSignal.timeout(5_000);

describe('kube review client (HTTP boundary)', () => {
  it('POSTs a TokenReview with the operator credentials and returns its status', async () => {
    const { client, seen } = await fakeApiserver((_req, res, body) => {
      res.statusCode = 201;
      res.end(
        JSON.stringify({ ...(body as object), status: { authenticated: true, user: { username: 'alice' } } }),
      );
    });
    const status = await client.tokenReview({ token: 't', audiences: ['a'] }, signal());
    expect(status).toEqual({ authenticated: true, user: { username: 'alice' } });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/prefix/apis/authentication.k8s.io/v1/tokenreviews',
      headers: { authorization: 'Bearer operator-token', 'content-type': 'application/json' },
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token: 't', audiences: ['a'] },
      },
    });
  });

  it('asks /readyz with the operator credentials: ready only on 200 "ok"', async () => {
    let answer = { status: 200, text: 'ok' };
    const { client, seen } = await fakeApiserver((_req, res) => {
      res.statusCode = answer.status;
      res.end(answer.text);
    });
    expect(await client.ready?.(signal())).toBe(true);
    expect(seen[0]).toMatchObject({
      method: 'GET',
      url: '/prefix/readyz',
      headers: { authorization: 'Bearer operator-token' },
    });
    answer = {
      status: 500,
      text: '[-]poststarthook/rbac/bootstrap-roles failed: not finished\nreadyz check failed',
    };
    expect(await client.ready?.(signal())).toBe(false);
    answer = { status: 200, text: 'not quite' };
    expect(await client.ready?.(signal())).toBe(false);
  });

  it('POSTs a SubjectAccessReview', async () => {
    const { client, seen } = await fakeApiserver((_req, res) => {
      res.statusCode = 201;
      res.end(JSON.stringify({ status: { allowed: true, reason: 'ok' } }));
    });
    const spec = { user: 'alice', groups: ['g'], nonResourceAttributes: { path: '/metrics', verb: 'get' } };
    expect(await client.subjectAccessReview(spec, signal())).toEqual({ allowed: true, reason: 'ok' });
    expect(seen[0]?.url).toBe('/prefix/apis/authorization.k8s.io/v1/subjectaccessreviews');
  });

  it('turns a 403 into KDIAG_AUTHN_AUTHZ_REVIEW_FORBIDDEN naming the missing RBAC', async () => {
    const { client } = await fakeApiserver((_req, res) => {
      res.statusCode = 403;
      res.end(
        JSON.stringify({
          kind: 'Status',
          message: 'tokenreviews.authentication.k8s.io is forbidden: User "x" cannot create resource',
        }),
      );
    });
    const err = await client.tokenReview({ token: 't' }, signal()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: AuthnAuthzErrorCode.REVIEW_FORBIDDEN, details: { status: 403 } });
    expect((err as Error).message).toContain('lacks RBAC to create tokenreviews.authentication.k8s.io');
    expect((err as Error).message).toContain('system:auth-delegator');
    expect((err as Error).message).toContain(
      'apiserver said: tokenreviews.authentication.k8s.io is forbidden',
    );
  });

  it('reports status and Retry-After of other HTTP errors', async () => {
    const { client } = await fakeApiserver((_req, res) => {
      res.statusCode = 429;
      res.setHeader('Retry-After', '3');
      res.end('slow down');
    });
    await expect(client.tokenReview({ token: 't' }, signal())).rejects.toMatchObject({
      code: AuthnAuthzErrorCode.REVIEW_FAILED,
      details: { status: 429, retryAfterSeconds: 3 },
    });
  });

  it('rejects an answer without a status, and one larger than 1 MiB', async () => {
    let big = false;
    const { client } = await fakeApiserver((_req, res) => {
      res.statusCode = 201;
      res.end(big ? JSON.stringify({ status: { reason: 'x'.repeat(2 << 20) } }) : '{"kind":"TokenReview"}');
    });
    await expect(client.tokenReview({ token: 't' }, signal())).rejects.toMatchObject({
      code: AuthnAuthzErrorCode.INVALID_REVIEW_RESPONSE,
    });
    big = true;
    await expect(client.tokenReview({ token: 't' }, signal())).rejects.toMatchObject({
      code: AuthnAuthzErrorCode.INVALID_REVIEW_RESPONSE,
      message: expect.stringContaining('larger than 1048576 bytes'),
    });
  });

  it('stops waiting when the signal aborts', async () => {
    const { client } = await fakeApiserver(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const p = client.tokenReview({ token: 't' }, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await expect(p).rejects.toMatchObject({ code: AuthnAuthzErrorCode.REVIEW_FAILED });
  });

  it('reports a refused connection with its syscall code', async () => {
    const { client, url } = await fakeApiserver(() => {});
    await closers.pop()?.();
    void url;
    await expect(client.tokenReview({ token: 't' }, signal())).rejects.toMatchObject({
      code: AuthnAuthzErrorCode.REVIEW_FAILED,
      details: { syscallCode: 'ECONNREFUSED' },
    });
  });
});
