import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeConfigLike } from '../../src/kube-review-client.ts';
import { listenTls, servingCertificate } from './tls.ts';

/** A TokenReview or SubjectAccessReview the fake apiserver was sent. */
export interface ReviewRequest {
  readonly path: string;
  readonly body: { readonly spec?: Record<string, unknown> };
}

/** Answers one review: the `status` of the review object. */
export type ReviewAnswer = (review: ReviewRequest) => unknown;

export interface FakeApiserver {
  readonly url: string;
  /** A KubeConfig (structurally) for this server: its CA trusted, an operator token. */
  readonly kubeConfig: KubeConfigLike;
  readonly reviews: ReviewRequest[];
  /** TCP connections the server holds open now. */
  readonly openConnections: () => number;
  readonly close: () => Promise<void>;
}

const authenticated: ReviewAnswer = () => ({ authenticated: true, user: { username: 'alice', groups: [] } });
const allowed: ReviewAnswer = () => ({ allowed: true, reason: 'allowed by the fake apiserver' });

/**
 * The apiserver's two review endpoints over HTTPS, for unit tests of the built-in review client and
 * its connection pool (a faked boundary: integration tests use the real apiserver of envtest). By
 * default every token is `alice` and everything is allowed. It never closes an idle connection
 * itself, so a pooled connection the client forgot to close stays visible.
 */
export async function startFakeApiserver(
  answers: { token?: ReviewAnswer; access?: ReviewAnswer } = {},
): Promise<FakeApiserver> {
  const reviews: ReviewRequest[] = [];
  const answer = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const review: ReviewRequest = { path: req.url ?? '', body: JSON.parse(text) as ReviewRequest['body'] };
    reviews.push(review);
    const reply = review.path.endsWith('/tokenreviews')
      ? (answers.token ?? authenticated)
      : (answers.access ?? allowed);
    res.statusCode = 201;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ ...review.body, status: reply(review) }));
  };
  const srv = await listenTls((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => answer(req, res, text));
  });
  srv.server.keepAliveTimeout = 0;
  let open = 0;
  srv.server.on('connection', (socket: NodeJS.EventEmitter) => {
    open++;
    socket.once('close', () => open--);
  });
  const { caPem } = await servingCertificate();
  return {
    url: srv.url,
    kubeConfig: {
      getCurrentCluster: () => ({ server: srv.url }),
      applyToHTTPSOptions: async (opts) => {
        opts.ca = caPem;
        opts.headers = { ...opts.headers, Authorization: 'Bearer operator-token' };
      },
    },
    reviews,
    openConnections: () => open,
    close: srv.close,
  };
}
