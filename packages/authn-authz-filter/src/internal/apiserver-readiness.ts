import { AuthnAuthzError, AuthnAuthzErrorCode, isAuthnAuthzError } from '../errors.ts';
import type { ReviewClient } from '../review-client.ts';
import type { Clock } from './clock.ts';

/** How long one answer of the apiserver's /readyz is reused, and how long asking may take. */
const READINESS_MEMO_MS = 1_000;
const READINESS_TIMEOUT_MS = 2_000;

/**
 * Tells an apiserver that is still starting from an operator that lacks RBAC. A restarted
 * kube-apiserver refuses every review (401/403) until its RBAC caches sync, before its /readyz turns
 * ok: such a refusal is an outage (stale answers may be served), not missing RBAC. One readiness
 * question per second at most, however many reviews fail.
 */
export class ApiserverReadiness {
  readonly #client: ReviewClient;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  #memo: { readonly at: number; readonly ready: Promise<boolean> } | undefined;

  constructor(client: ReviewClient, clock: Clock, reviewTimeoutMs: number) {
    this.#client = client;
    this.#clock = clock;
    this.#timeoutMs = Math.min(reviewTimeoutMs, READINESS_TIMEOUT_MS);
  }

  /**
   * `err` itself, or `KDIAG_AUTHN_AUTHZ_APISERVER_NOT_READY` in its place when it is a refused review
   * and the apiserver says it is not ready. `stop` aborts the question (the filter closes).
   */
  async explain(err: unknown, stop: AbortSignal): Promise<unknown> {
    if (!isAuthnAuthzError(err, AuthnAuthzErrorCode.REVIEW_FORBIDDEN) || this.#client.ready === undefined)
      return err;
    const now = this.#clock.now();
    if (this.#memo === undefined || now - this.#memo.at >= READINESS_MEMO_MS) {
      const signal = AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), stop]);
      this.#memo = { at: now, ready: this.#client.ready(signal).catch(() => false) };
    }
    if (await this.#memo.ready) return err;
    return new AuthnAuthzError(
      AuthnAuthzErrorCode.APISERVER_NOT_READY,
      `${err.message}; the apiserver is not ready (/readyz), so this counts as an outage`,
      { cause: err, details: err.details },
    );
  }
}
