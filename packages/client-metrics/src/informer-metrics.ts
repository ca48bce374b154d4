// The informer families. client-go has none left (its reflector metrics were removed, a no-op
// provider since kubernetes#74636), so they are kubediag's, one label `informer` with the name the
// operator gives.
import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge, type Family } from './internal/metric-families.ts';

export const WATCH_EVENTS_TOTAL: Family = {
  name: 'kubediag_informer_watch_events_total',
  help: 'Watch events an informer received, by type: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR.',
  labelNames: ['informer', 'type'],
};

export const WATCH_RESTARTS_TOTAL: Family = {
  name: 'kubediag_informer_watch_restarts_total',
  help: "Watches an informer started after its first one: after a watch ended, failed, timed out, or the informer's resourceVersion expired.",
  labelNames: ['informer'],
};

export const ERRORS_TOTAL: Family = {
  name: 'kubediag_informer_errors_total',
  help: 'Errors an informer reported to its error handlers: a list that failed, a watch that could not start or ended with an error.',
  labelNames: ['informer'],
};

export const WATCH_CONNECTED: Family = {
  name: 'kubediag_informer_watch_connected',
  help: "1 while an informer's watch is established (the apiserver answered 200 and the stream is open), else 0.",
  labelNames: ['informer'],
};

export const LAST_WATCH_EVENT: Family = {
  name: 'kubediag_informer_last_watch_event_timestamp_seconds',
  help: 'Unix time of the last watch event or bookmark an informer received; 0 before the first. Its age is time() minus this.',
  labelNames: ['informer'],
};

export interface InformerMetrics {
  readonly events: Counter;
  readonly restarts: Counter;
  readonly errors: Counter;
  readonly connected: Gauge;
  readonly lastEvent: Gauge;
}

export function informerMetrics(registry: Registry): InformerMetrics {
  return {
    events: counter(registry, WATCH_EVENTS_TOTAL),
    restarts: counter(registry, WATCH_RESTARTS_TOTAL),
    errors: counter(registry, ERRORS_TOTAL),
    connected: gauge(registry, WATCH_CONNECTED),
    lastEvent: gauge(registry, LAST_WATCH_EVENT),
  };
}
