/**
 * What share of scrapes a caching authn/authz filter can serve while the apiserver is down, from its
 * cache lifetimes alone. A scrape of an identity the filter saw before is served while both its
 * TokenReview and its SubjectAccessReview are still usable: until the entry's TTL runs out, plus the
 * stale-if-error grace period where the filter has one (kubediag; controller-runtime has none).
 */

export interface CacheLifetimes {
  readonly tokenTtlS: number;
  readonly allowedTtlS: number;
  /** How long past its TTL an entry is served while the apiserver is unreachable; 0 = not at all. */
  readonly staleGraceS: number;
}

export const CONTROLLER_RUNTIME_LIFETIMES: CacheLifetimes = {
  tokenTtlS: 60,
  allowedTtlS: 300,
  staleGraceS: 0,
};
export const KUBEDIAG_DEFAULT_LIFETIMES: CacheLifetimes = {
  tokenTtlS: 60,
  allowedTtlS: 300,
  staleGraceS: 300,
};

/**
 * Expected share for scrapers that have been running long before the outage, so each cache entry's
 * age when the apiserver goes away is uniform over its TTL, independently for the two caches:
 * (1/D) ∫₀ᴰ P(token entry usable at x) · P(decision usable at x) dx.
 */
export function steadyStateShare(l: CacheLifetimes, outageS: number): number {
  const usable = (ttl: number, x: number): number =>
    x <= l.staleGraceS ? 1 : Math.max(0, (ttl + l.staleGraceS - x) / ttl);
  const steps = 10_000;
  let sum = 0;
  for (let k = 0; k < steps; k++) {
    const x = ((k + 0.5) / steps) * outageS;
    sum += usable(l.tokenTtlS, x) * usable(l.allowedTtlS, x);
  }
  return sum / steps;
}

/**
 * Expected share for this benchmark's scrapers, whose token and decision entries were both created at
 * their first scrape, `agesS[i]` seconds before the outage began (an entry lives TTL + grace).
 */
export function benchShare(l: CacheLifetimes, outageS: number, agesS: readonly number[]): number {
  const served = agesS.map((age) => {
    const left = Math.min(l.tokenTtlS, l.allowedTtlS) + l.staleGraceS - age;
    return Math.min(outageS, Math.max(0, left));
  });
  return served.reduce((a, b) => a + b, 0) / (agesS.length * outageS);
}
