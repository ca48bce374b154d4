import http from 'node:http';
import https from 'node:https';
import { AuthnAuthzError, AuthnAuthzErrorCode } from './errors.ts';
import type {
  ReviewClient,
  SubjectAccessReviewSpec,
  SubjectAccessReviewStatus,
  TokenReviewSpec,
  TokenReviewStatus,
} from './review-client.ts';

/**
 * The part of a `@kubernetes/client-node` KubeConfig this client uses. Declared structurally so the
 * package does not load client-node (≈400 ms) just for types, and so v1 and v2 both fit.
 */
export interface KubeConfigLike {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string | undefined } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** Largest review answer accepted; real ones are a few hundred bytes. */
export const MAX_REVIEW_RESPONSE_BYTES: number = 1 << 20;

const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';
const SAR_PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

const RBAC_HINT = {
  tokenreviews:
    'the operator identity lacks RBAC to create tokenreviews.authentication.k8s.io; bind the ClusterRole system:auth-delegator (or a role with create on tokenreviews and subjectaccessreviews) to its ServiceAccount',
  subjectaccessreviews:
    'the operator identity lacks RBAC to create subjectaccessreviews.authorization.k8s.io; bind the ClusterRole system:auth-delegator (or a role with create on tokenreviews and subjectaccessreviews) to its ServiceAccount',
} as const;

type TlsMaterial = Pick<
  https.AgentOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

/**
 * A ReviewClient that POSTs TokenReviews and SubjectAccessReviews to the apiserver of `kubeConfig`.
 *
 * Credentials are applied per call through `applyToHTTPSOptions`, so rotated service account tokens and
 * exec plugins keep working; the TLS connection pool is kept across calls and rebuilt only when the TLS
 * material changes (client-node would otherwise create a new agent, and a new handshake, per call).
 * Clusters reached through a proxy use client-node's proxy agent per call.
 */
export function createKubeReviewClient(
  kubeConfig: KubeConfigLike,
): ReviewClient & { close(): Promise<void> } {
  let agent: https.Agent | undefined;
  let material: TlsMaterial | undefined;
  /** Pools replaced after a TLS material change, each closed a minute later or on close(). */
  const retired = new Map<https.Agent, NodeJS.Timeout>();

  function agentFor(opts: https.RequestOptions): https.Agent {
    const next: TlsMaterial = {};
    for (const f of TLS_FIELDS) if (opts[f] !== undefined) (next as Record<string, unknown>)[f] = opts[f];
    if (
      agent !== undefined &&
      material !== undefined &&
      TLS_FIELDS.every((f) => sameValue(material?.[f], next[f]))
    ) {
      return agent;
    }
    const previous = agent;
    if (previous !== undefined) {
      // Let requests still using the previous pool finish before closing its sockets.
      const timer = setTimeout(() => {
        retired.delete(previous);
        previous.destroy();
      }, 60_000);
      retired.set(previous, timer.unref());
    }
    agent = new https.Agent({ ...next, keepAlive: true, maxSockets: 32, maxFreeSockets: 4, timeout: 60_000 });
    material = next;
    return agent;
  }

  /** One request to the apiserver with the operator's credentials; the answer's status and text. */
  async function send(
    what: 'tokenreviews' | 'subjectaccessreviews' | 'readyz',
    method: 'POST' | 'GET',
    path: string,
    payload: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<{ status: number; text: string; retryAfter: string | undefined }> {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null || typeof cluster.server !== 'string' || cluster.server === '') {
      throw new AuthnAuthzError(
        AuthnAuthzErrorCode.INVALID_KUBECONFIG,
        `${what} request failed: the kubeconfig has no current cluster with a server URL`,
      );
    }
    const opts: https.RequestOptions = { method, headers: {} };
    await kubeConfig.applyToHTTPSOptions(opts);
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    const secure = url.protocol === 'https:';
    const requestAgent =
      cluster.proxyUrl !== undefined && cluster.proxyUrl !== ''
        ? opts.agent
        : secure
          ? agentFor(opts)
          : undefined;
    const headers: Record<string, string> = {
      ...(opts.headers as Record<string, string> | undefined),
      Accept: payload === undefined ? 'text/plain' : 'application/json',
      'User-Agent': 'kubediag-authn-authz-filter',
    };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const requestOptions: https.RequestOptions = { ...opts, method, headers, signal };
    if (requestAgent !== undefined) requestOptions.agent = requestAgent;
    else delete requestOptions.agent;

    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, requestOptions, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REVIEW_RESPONSE_BYTES) {
            req.destroy(
              new AuthnAuthzError(
                AuthnAuthzErrorCode.INVALID_REVIEW_RESPONSE,
                `${what} request failed: answer larger than ${MAX_REVIEW_RESPONSE_BYTES} bytes`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            retryAfter: res.headers['retry-after'],
          }),
        );
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof AuthnAuthzError) return reject(err);
        const code = typeof err.code === 'string' ? err.code : undefined;
        reject(
          new AuthnAuthzError(AuthnAuthzErrorCode.REVIEW_FAILED, `${what} request failed: ${err.message}`, {
            cause: err,
            details: code === undefined ? {} : { syscallCode: code },
          }),
        );
      });
      req.end(payload);
    });
  }

  async function post<T>(
    what: 'tokenreviews' | 'subjectaccessreviews',
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<T> {
    const { status, text, retryAfter } = await send(
      what,
      'POST',
      path,
      Buffer.from(JSON.stringify(body)),
      signal,
    );
    if (status < 200 || status >= 300) throw httpError(what, status, text, retryAfter);
    try {
      const parsed = JSON.parse(text) as { status?: T };
      if (
        parsed === null ||
        typeof parsed !== 'object' ||
        typeof parsed.status !== 'object' ||
        parsed.status === null
      ) {
        throw new Error('no status object in the answer');
      }
      return parsed.status;
    } catch (cause) {
      throw new AuthnAuthzError(
        AuthnAuthzErrorCode.INVALID_REVIEW_RESPONSE,
        `${what} request failed: unreadable answer from the apiserver`,
        { cause },
      );
    }
  }

  return {
    tokenReview: (spec: TokenReviewSpec, signal: AbortSignal) =>
      post<TokenReviewStatus>(
        'tokenreviews',
        TOKEN_REVIEW_PATH,
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec },
        signal,
      ),
    subjectAccessReview: (spec: SubjectAccessReviewSpec, signal: AbortSignal) =>
      post<SubjectAccessReviewStatus>(
        'subjectaccessreviews',
        SAR_PATH,
        { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
        signal,
      ),
    // /readyz is always allowed by kube-apiserver (--authorization-always-allow-paths), so a starting
    // apiserver answers it even while it denies everything else.
    ready: async (signal: AbortSignal) => {
      const { status, text } = await send('readyz', 'GET', '/readyz', undefined, signal);
      return status === 200 && text.trim() === 'ok';
    },
    async close() {
      const pools = [...retired.keys()];
      for (const timer of retired.values()) clearTimeout(timer);
      retired.clear();
      if (agent !== undefined) pools.push(agent);
      agent = undefined;
      material = undefined;
      await Promise.all(pools.map(closePool));
    },
  };
}

/** Destroys every socket of a connection pool, in use or idle; resolves when all have closed. */
async function closePool(pool: https.Agent): Promise<void> {
  const sockets = [...Object.values(pool.sockets), ...Object.values(pool.freeSockets)].flat();
  pool.destroy();
  const closing: Promise<void>[] = [];
  for (const socket of sockets) {
    // 'close' follows an 'error' too; events.once would reject on the error instead.
    if (socket !== undefined && !socket.closed)
      closing.push(new Promise((resolve) => socket.once('close', () => resolve())));
  }
  await Promise.all(closing);
}

function apiserverMessage(text: string): string {
  // The apiserver answers errors with a JSON Status; keep its message, bounded, for the log.
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 300);
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 300).trim();
}

function httpError(
  what: 'tokenreviews' | 'subjectaccessreviews',
  status: number,
  text: string,
  retryAfter: string | undefined,
): AuthnAuthzError {
  const said = apiserverMessage(text);
  const suffix = said === '' ? '' : ` (apiserver said: ${said})`;
  if (status === 401 || status === 403) {
    const why =
      status === 403
        ? RBAC_HINT[what]
        : 'the operator credentials in the kubeconfig are not accepted by the apiserver';
    return new AuthnAuthzError(
      AuthnAuthzErrorCode.REVIEW_FORBIDDEN,
      `${what} request failed with HTTP ${status}: ${why}${suffix}`,
      {
        details: { status },
      },
    );
  }
  const seconds = retryAfter === undefined ? Number.NaN : Number.parseInt(retryAfter, 10);
  return new AuthnAuthzError(
    AuthnAuthzErrorCode.REVIEW_FAILED,
    `${what} request failed with HTTP ${status}${suffix}`,
    {
      details: Number.isFinite(seconds) && seconds >= 0 ? { status, retryAfterSeconds: seconds } : { status },
    },
  );
}
