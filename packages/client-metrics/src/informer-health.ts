// The health of an informer's watch, seen from inside it. client-node's informer (the ListWatch that
// makeInformer returns, in 1.x and 2.x) runs every watch through one Watch object; observing wraps
// that object's `watch` method, so every event and bookmark, every start and every end of a watch
// passes here before the informer sees it. The informer's public `error` event adds the failed lists.
//
// A watch is `up` from the apiserver's 200 until its stream ends, `down` from its end (or failure)
// until the next one is up, `waiting` before the first. It is also asked for bookmarks, as client-go's
// reflector asks (allowWatchBookmarks): the apiserver then sends one roughly every minute on a quiet
// watch, and a watch that is up but hears nothing for much longer is stalled, not quiet.
import type { Gauge } from 'prom-client';
import { ClientMetricsError, ClientMetricsErrorCode } from './errors.ts';
import type { InformerMetrics } from './informer-metrics.ts';
import type { ResolvedInformerHealthOptions } from './options.ts';
import { watchFailure } from './watch-failure.ts';

/** What observeInformer needs of an informer, structurally: client-node's makeInformer result fits. */
export interface ObservableInformer {
  on(verb: 'error', callback: (err?: unknown) => void): void;
  off(verb: 'error', callback: (err?: unknown) => void): void;
}

/** Where the watch of an informer is. */
export type WatchPhase = 'waiting' | 'up' | 'down';

/** An informer's watch as last seen. */
export interface InformerStatus {
  readonly phase: WatchPhase;
  /** Milliseconds in this phase (since the informer was observed, while `waiting`). */
  readonly forMs: number;
  /**
   * While `up`: milliseconds since the last watch event or bookmark, or since the watch came up,
   * whichever is later. Undefined otherwise.
   */
  readonly silentForMs: number | undefined;
  /** The last failure, data-free (`HTTP 403`, `ECONNREFUSED`, `TimeoutError`); undefined before any. */
  readonly lastError: string | undefined;
}

/** What observeInformer hands back. */
export interface InformerHealth {
  readonly name: string;
  status(): InformerStatus;
  /**
   * A health check (the shape `addReadyzCheck` takes): returns while the watch is up and not silent
   * beyond `silentAfterMs`, or down for at most `disconnectedAfterMs`; throws the reason otherwise.
   */
  readonly check: () => void;
  /** Stops observing: the informer's watch and error handlers are as they were. Idempotent. */
  unobserve(): void;
}

type WatchCallback = (phase: string, object: unknown, raw?: unknown) => unknown;
type WatchDone = (err: unknown) => unknown;
type WatchMethod = (
  path: string,
  params: Record<string, unknown>,
  callback: WatchCallback,
  done: WatchDone,
) => Promise<unknown>;

const observedWatches = new WeakSet<object>();

/** The Watch an informer runs its watches through (client-node's ListWatch keeps it in `watch`). */
function watchObject(informer: unknown): { watch: WatchMethod } | undefined {
  const inner = (informer as { watch?: unknown } | null)?.watch;
  if (typeof inner !== 'object' || inner === null) return undefined;
  return typeof (inner as { watch?: unknown }).watch === 'function'
    ? (inner as { watch: WatchMethod })
    : undefined;
}

/** A measured time, to a tenth of a second. */
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
/** A configured bound, as written (30000 → 30s). */
const bound = (ms: number): string => `${ms / 1000}s`;

class Observation {
  readonly #name: string;
  readonly #options: ResolvedInformerHealthOptions;
  readonly #metrics: InformerMetrics;
  readonly #connected: ReturnType<Gauge['labels']>;
  readonly #lastEvent: ReturnType<Gauge['labels']>;
  readonly #eventsByType = new Map<string, ReturnType<InformerMetrics['events']['labels']>>();
  #phase: WatchPhase = 'waiting';
  #since = performance.now();
  #lastActivity = 0;
  #lastError: string | undefined;
  #watches = 0;

  constructor(name: string, options: ResolvedInformerHealthOptions, metrics: InformerMetrics) {
    this.#name = name;
    this.#options = options;
    this.#metrics = metrics;
    this.#connected = metrics.connected.labels(name);
    this.#lastEvent = metrics.lastEvent.labels(name);
    this.#connected.set(0);
    this.#lastEvent.set(0);
    metrics.restarts.labels(name).inc(0);
    metrics.errors.labels(name).inc(0);
  }

  starting(): void {
    if (this.#watches++ > 0) this.#metrics.restarts.labels(this.#name).inc();
  }

  established(): void {
    this.#phase = 'up';
    this.#since = this.#lastActivity = performance.now();
    this.#connected.set(1);
  }

  event(type: string): void {
    let events = this.#eventsByType.get(type);
    if (events === undefined) {
      events = this.#metrics.events.labels(this.#name, type);
      this.#eventsByType.set(type, events);
    }
    events.inc();
    this.#lastActivity = performance.now();
    this.#lastEvent.set(Date.now() / 1000);
  }

  ended(err: unknown): void {
    if (err !== null && err !== undefined) this.#lastError = watchFailure(err);
    if (this.#phase === 'up') this.#since = performance.now();
    this.#phase = 'down';
    this.#connected.set(0);
  }

  failed(err: unknown): void {
    this.#metrics.errors.labels(this.#name).inc();
    this.#lastError = watchFailure(err);
  }

  status(): InformerStatus {
    const now = performance.now();
    return {
      phase: this.#phase,
      forMs: now - this.#since,
      silentForMs: this.#phase === 'up' ? now - this.#lastActivity : undefined,
      lastError: this.#lastError,
    };
  }

  check(): void {
    const { phase, forMs, silentForMs, lastError } = this.status();
    const { disconnectedAfterMs, silentAfterMs } = this.#options;
    const watch = `watch of informer ${JSON.stringify(this.#name)}`;
    const cause = lastError === undefined ? '' : `: ${lastError}`;
    if (phase === 'waiting') throw new Error(`${watch} not established yet${cause}`);
    if (phase === 'down' && forMs > disconnectedAfterMs)
      throw new Error(`${watch} down for ${seconds(forMs)} (bound ${bound(disconnectedAfterMs)})${cause}`);
    if (silentForMs !== undefined && silentAfterMs > 0 && silentForMs > silentAfterMs)
      throw new Error(
        `${watch} silent for ${seconds(silentForMs)} (bound ${bound(silentAfterMs)}): no event or bookmark`,
      );
  }

  forget(): void {
    this.#metrics.connected.remove(this.#name);
    this.#metrics.lastEvent.remove(this.#name);
  }
}

function invalidInformer(message: string): ClientMetricsError {
  return new ClientMetricsError(ClientMetricsErrorCode.INVALID_ARGUMENT, `observe informer: ${message}`);
}

/** Starts observing `informer` under `name`; see {@link InformerHealth}. */
export function observeInformer(
  name: string,
  informer: ObservableInformer,
  options: ResolvedInformerHealthOptions,
  metrics: InformerMetrics,
): InformerHealth {
  const inner = watchObject(informer);
  if (inner === undefined || typeof informer.on !== 'function' || typeof informer.off !== 'function')
    throw invalidInformer(
      `expected a @kubernetes/client-node informer (makeInformer's ListWatch, with its watch), got ${typeof informer}`,
    );
  if (observedWatches.has(inner))
    throw invalidInformer(`informer ${JSON.stringify(name)} is observed already`);
  observedWatches.add(inner);

  const observation = new Observation(name, options, metrics);
  const original = inner.watch;
  const ownMethod = Object.hasOwn(inner, 'watch');
  const onError = (err?: unknown): void => observation.failed(err);

  inner.watch = async function observedWatch(this: unknown, path, params, callback, done) {
    observation.starting();
    let ended = false;
    const end: WatchDone = (err) => {
      ended = true;
      observation.ended(err);
      return done(err);
    };
    const observed: WatchCallback = (phase, object, raw) => {
      observation.event(phase);
      return callback(phase, object, raw);
    };
    try {
      const controller = await original.call(
        this,
        path,
        options.bookmarks ? { ...params, allowWatchBookmarks: true } : params,
        observed,
        end,
      );
      if (!ended) observation.established();
      return controller;
    } catch (err) {
      if (!ended) observation.ended(err);
      throw err;
    }
  };
  informer.on('error', onError);

  let observing = true;
  return {
    name,
    status: () => observation.status(),
    check: () => observation.check(),
    unobserve() {
      if (!observing) return;
      observing = false;
      if (ownMethod) inner.watch = original;
      else delete (inner as { watch?: WatchMethod }).watch;
      informer.off('error', onError);
      observedWatches.delete(inner);
      observation.forget();
    },
  };
}
