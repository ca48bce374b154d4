import type { AuthnAuthz } from '../../src/authn-authz.ts';
import type { ClientCaSource } from '../../src/internal/client-ca.ts';
import type { Clock } from '../../src/internal/clock.ts';
import { DecisionCore } from '../../src/internal/decision-core.ts';
import type { FilterMetrics } from '../../src/metrics.ts';
import { noopMetrics } from '../../src/metrics.ts';
import type { AuthnAuthzOptions } from '../../src/options.ts';
import { applyAuthnAuthzOptions } from '../../src/options.ts';
import type {
  ReviewClient,
  SubjectAccessReviewSpec,
  SubjectAccessReviewStatus,
  TokenReviewSpec,
  TokenReviewStatus,
} from '../../src/review-client.ts';
import type { KeyValues, Logger, Verbose } from '../../src/logger.ts';

/** A clock that only moves when told to (or when the code under test sleeps). */
export class FakeClock implements Clock {
  t = 1_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface LogLine {
  level: 'info' | 'warning' | 'error';
  v: number;
  msg: string;
  kv: KeyValues | undefined;
  err?: unknown;
}

/** A Logger (structurally klog's) that records lines, with a settable verbosity. */
export function recordingLogger(verbosity = 10): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make = (): Logger => ({
    info: (msg, kv) => lines.push({ level: 'info', v: 0, msg, kv }),
    warning: (msg, kv) => lines.push({ level: 'warning', v: 0, msg, kv }),
    error: (err, msg, kv) => lines.push({ level: 'error', v: 0, msg, kv, err }),
    V: (level): Verbose => ({
      enabled: level <= verbosity,
      info: (msg, kv) => {
        if (level <= verbosity) lines.push({ level: 'info', v: level, msg, kv });
      },
    }),
    withName: () => make(),
    withValues: () => make(),
  });
  return Object.assign(make(), { lines });
}

type Answer<T> = T | Error | ((signal: AbortSignal) => Promise<T>);

/** A scriptable apiserver boundary that records every call. */
export class FakeReviews implements ReviewClient {
  readonly tokenCalls: TokenReviewSpec[] = [];
  readonly sarCalls: SubjectAccessReviewSpec[] = [];
  /** token → answer; a missing token is "not authenticated". */
  tokens = new Map<string, Answer<TokenReviewStatus>>();
  /** `${user} ${verb} ${path}` → answer; missing is no opinion. */
  access = new Map<string, Answer<SubjectAccessReviewStatus>>();
  tokenFallback: Answer<TokenReviewStatus> | undefined;
  accessFallback: Answer<SubjectAccessReviewStatus> | undefined;
  /** The apiserver's /readyz; unset, the client cannot ask (like a custom ReviewClient without it). */
  ready: ((signal: AbortSignal) => Promise<boolean>) | undefined;
  readyCalls = 0;

  /** Scripts /readyz to answer `ready` (or fail with an Error), counting the questions. */
  readiness(answer: boolean | Error): this {
    this.ready = async () => {
      this.readyCalls++;
      await Promise.resolve();
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return this;
  }

  async tokenReview(spec: TokenReviewSpec, signal: AbortSignal): Promise<TokenReviewStatus> {
    this.tokenCalls.push(spec);
    return this.#answer(
      this.tokens.get(spec.token) ?? this.tokenFallback ?? { authenticated: false },
      signal,
    );
  }

  async subjectAccessReview(
    spec: SubjectAccessReviewSpec,
    signal: AbortSignal,
  ): Promise<SubjectAccessReviewStatus> {
    this.sarCalls.push(spec);
    const key = `${spec.user} ${spec.nonResourceAttributes.verb} ${spec.nonResourceAttributes.path}`;
    return this.#answer(this.access.get(key) ?? this.accessFallback ?? { allowed: false }, signal);
  }

  async #answer<T>(a: Answer<T>, signal: AbortSignal): Promise<T> {
    await Promise.resolve();
    if (a instanceof Error) throw a;
    if (typeof a === 'function') return (a as (s: AbortSignal) => Promise<T>)(signal);
    return a;
  }

  /** A token for `user` (groups given) that the fake apiserver accepts. */
  user(token: string, username: string, groups: string[] = []): this {
    this.tokens.set(token, { authenticated: true, user: { username, uid: `uid-${username}`, groups } });
    return this;
  }

  allow(username: string, verb: string, path: string): this {
    this.access.set(`${username} ${verb} ${path}`, { allowed: true, reason: 'RBAC: allowed by test' });
    return this;
  }

  deny(username: string, verb: string, path: string): this {
    this.access.set(`${username} ${verb} ${path}`, {
      allowed: false,
      denied: true,
      reason: 'denied by test',
    });
    return this;
  }
}

export interface TestCore {
  core: AuthnAuthz;
  clock: FakeClock;
  reviews: FakeReviews;
  logger: ReturnType<typeof recordingLogger>;
}

/** The real decision core with a fake clock, a fake apiserver and no jitter. */
export function testCore(
  options: AuthnAuthzOptions = {},
  extra: {
    metrics?: FilterMetrics;
    reviews?: FakeReviews;
    clientCa?: ClientCaSource;
  } = {},
): TestCore {
  const clock = new FakeClock();
  const reviews = extra.reviews ?? new FakeReviews();
  const logger = recordingLogger();
  const resolved = applyAuthnAuthzOptions({ audit: false, ...options });
  const core = new DecisionCore(resolved, {
    reviewClient: reviews,
    logger,
    metrics: extra.metrics ?? noopMetrics,
    clock,
    random: () => 0,
    clientCa: extra.clientCa,
  });
  return { core, clock, reviews, logger };
}

export const req = (method: string, url: string, authorization?: string) => ({
  method,
  url,
  headers: authorization === undefined ? {} : { authorization },
  remoteAddress: '10.0.0.7',
});
