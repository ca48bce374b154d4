/**
 * The TokenReviews and SubjectAccessReviews a server made, counted where they land: in the envtest
 * apiserver's audit log, by the identity the server reviews as.
 */
import type { ControlPlane } from '@kubediag/envtest';

export interface ReviewCount {
  readonly tokenReviews: number;
  readonly subjectAccessReviews: number;
}

export async function countReviews(cp: ControlPlane, user: string): Promise<ReviewCount> {
  const events = (await cp.readAuditEvents()).filter(
    (e) => e.user.username === user && e.stage === 'ResponseComplete',
  );
  return {
    tokenReviews: events.filter((e) => e.objectRef?.resource === 'tokenreviews').length,
    subjectAccessReviews: events.filter((e) => e.objectRef?.resource === 'subjectaccessreviews').length,
  };
}

/** The count once it has stopped moving: the apiserver writes an event shortly after answering. */
export async function settledReviews(cp: ControlPlane, user: string): Promise<ReviewCount> {
  let last = await countReviews(cp, user);
  for (let stable = 0; stable < 5;) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await countReviews(cp, user);
    const same =
      now.tokenReviews === last.tokenReviews && now.subjectAccessReviews === last.subjectAccessReviews;
    stable = same ? stable + 1 : 0;
    last = now;
  }
  return last;
}

/** `after - before`, field by field. */
export function reviewsBetween(before: ReviewCount, after: ReviewCount): ReviewCount {
  return {
    tokenReviews: after.tokenReviews - before.tokenReviews,
    subjectAccessReviews: after.subjectAccessReviews - before.subjectAccessReviews,
  };
}
