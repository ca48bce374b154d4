/**
 * A cold burst: N identical `/metrics` requests at once with a token the server has never seen, on
 * connections opened (TLS handshake done) beforehand, so the requests reach the server together and
 * all find empty caches. The apiserver calls they cost are counted in the apiserver's own audit log,
 * by the operator identity each server reviews with.
 */
import type { ControlPlane } from '@kubediag/envtest';
import type { Operator } from './identities.ts';
import type { PeerProcess } from './peer-process.ts';
import { scrape, scrapeAgent } from './scrape.ts';

export interface BurstResult {
  readonly requests: number;
  readonly ok: number;
  readonly tokenReviews: number;
  readonly subjectAccessReviews: number;
  /** First request sent to last response received, ms. */
  readonly wallMs: number;
}

export async function coldBurst(
  cp: ControlPlane,
  peer: PeerProcess,
  operator: Operator,
  freshToken: string,
  requests: number,
  knownToken: string,
): Promise<BurstResult> {
  const agent = scrapeAgent(requests);
  // The connections are opened with a scraper both servers already know (cached decisions, no review),
  // and the agent keeps them for the burst. Not without credentials: kubediag closes a connection
  // after its 401 (issue 16), so the burst then paid 200 TLS handshakes that controller-runtime, which
  // keeps them alive, did not.
  const open = await Promise.all(Array.from({ length: requests }, () => scrape(peer.url, knownToken, agent)));
  if (open.some((r) => r.status !== 200)) {
    const statuses = new Map<number, number>();
    for (const r of open) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    throw new Error(
      `${peer.name}: opening connections did not get 200: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}`,
    );
  }
  const before = await countReviews(cp, operator);

  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: requests }, () => scrape(peer.url, freshToken, agent)),
  );
  const wallMs = performance.now() - t0;
  agent.destroy();

  const after = await settledReviews(cp, operator);
  return {
    requests,
    ok: results.filter((r) => r.status === 200).length,
    tokenReviews: after.tokenReviews - before.tokenReviews,
    subjectAccessReviews: after.subjectAccessReviews - before.subjectAccessReviews,
    wallMs,
  };
}

interface ReviewCount {
  readonly tokenReviews: number;
  readonly subjectAccessReviews: number;
}

async function countReviews(cp: ControlPlane, operator: Operator): Promise<ReviewCount> {
  const events = (await cp.readAuditEvents()).filter(
    (e) => e.user.username === operator.user && e.stage === 'ResponseComplete',
  );
  return {
    tokenReviews: events.filter((e) => e.objectRef?.resource === 'tokenreviews').length,
    subjectAccessReviews: events.filter((e) => e.objectRef?.resource === 'subjectaccessreviews').length,
  };
}

/** The apiserver writes audit events shortly after answering: wait until the count stops moving. */
async function settledReviews(cp: ControlPlane, operator: Operator): Promise<ReviewCount> {
  let last = await countReviews(cp, operator);
  for (let stable = 0; stable < 5;) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await countReviews(cp, operator);
    const same =
      now.tokenReviews === last.tokenReviews && now.subjectAccessReviews === last.subjectAccessReviews;
    stable = same ? stable + 1 : 0;
    last = now;
  }
  return last;
}
