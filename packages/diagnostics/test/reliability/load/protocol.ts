import type { DiagnosticsAuthOptions, DiagnosticsPortOptions } from '@kubediag/diagnostics';

/**
 * What the tests and the operator child (operator-main.ts) say to each other over the IPC channel.
 * The child is a real operator built with withDiagnostics(); the messages only carry what a test
 * observes from outside the library: which side effects happened for which request, memory figures,
 * and crashes.
 */

/** Request header carrying the test's id for a request, so a side effect can be traced to it. */
export const LOAD_ID_HEADER = 'x-load-id';

/** Extra handler registered in secure mode; the reader may `get` it, nobody else. */
export const CANARY_PREFIX = '/load/canary/';

/** How the operator child is started (JSON in KUBEDIAG_LOAD_OPERATOR). */
export interface OperatorConfig {
  readonly mode: 'secure' | 'insecure';
  /** klog `-v` of the child's logger (stderr). */
  readonly verbosity: number;
  /** Where the filter sends its reviews, as the operator's own ServiceAccount (secure mode). */
  readonly apiserver?: { readonly url: string; readonly caPem: string; readonly token: string };
  /** Diagnostics server options (limits and timeouts) on top of a loopback `:0` bind address. */
  readonly server?: Pick<
    DiagnosticsPortOptions,
    | 'maxConnections'
    | 'headersTimeoutMs'
    | 'idleTimeoutMs'
    | 'requestTimeoutMs'
    | 'maxProfileSeconds'
    | 'maxHeaderSize'
  >;
  /** Options of the Kubernetes filter (secure mode): the review budget, cache bounds. */
  readonly auth?: DiagnosticsAuthOptions;
  /** Report protected side effects (metrics collection, profiles, verbosity, canary, health checks). */
  readonly instrument: boolean;
}

/** A side effect that only a handler (or a health check) produces. */
export type EffectKind = 'metrics' | 'pprof-cpu' | 'pprof-heap' | 'flags' | 'canary' | 'health';

export type ChildMessage =
  | { readonly type: 'ready'; readonly url: string; readonly caPem: string | undefined }
  | {
      readonly type: 'effect';
      readonly effect: EffectKind;
      /** The `x-load-id` of the request in whose async context the effect ran; null outside any request. */
      readonly id: string | null;
      readonly method: string | null;
      /** For `flags`: the verbosity set. */
      readonly value?: number;
    }
  | { readonly type: 'fatal'; readonly origin: string; readonly error: string }
  | { readonly type: 'warning'; readonly name: string; readonly message: string }
  | {
      readonly type: 'memory';
      readonly rss: number;
      readonly heapUsed: number;
      readonly external: number;
      readonly arrayBuffers: number;
    };

export type ParentMessage = { readonly type: 'gc' } | { readonly type: 'stop' };
