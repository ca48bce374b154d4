// W3C trace context (`traceparent`, `tracestate`) and baggage (`baggage`) propagation, as
// Kubernetes' tracing.Propagators() and @opentelemetry/core 2.12's CompositePropagator of
// W3CTraceContextPropagator and W3CBaggagePropagator do it, written against @opentelemetry/api
// alone: importing @opentelemetry/core costs tens of milliseconds, and trace context has to flow
// (traceKubeConfig, the global propagator) even when tracing is off. test/w3c-propagator.test.ts
// checks it against @opentelemetry/core header for header.
import {
  baggageEntryMetadataFromString,
  createContextKey,
  diag,
  isSpanContextValid,
  propagation,
  trace,
  TraceFlags,
  type BaggageEntry,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceState } from './trace-state.ts';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
const BAGGAGE = 'baggage';

// The W3C limits of a baggage header.
const BAGGAGE_MAX_ENTRIES = 180;
const BAGGAGE_MAX_ENTRY_LENGTH = 4096;
const BAGGAGE_MAX_LENGTH = 8192;

// The key the SDK sets while it exports (Symbol.for of this description): no context leaves then.
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

const TRACEPARENT_PATTERN =
  /^\s?((?!ff)[\da-f]{2})-((?![0]{32})[\da-f]{32})-((?![0]{16})[\da-f]{16})-([\da-f]{2})(-.*)?\s?$/;

function suppressed(ctx: Context): boolean {
  return ctx.getValue(SUPPRESS_TRACING) === true;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A `traceparent` value as a remote span context, or undefined when it is not valid. */
function parseTraceparent(value: string): SpanContext | undefined {
  const match = TRACEPARENT_PATTERN.exec(value);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version 00 has exactly four fields; later versions may add more.
  if (version === '00' && rest !== undefined && rest !== '') return undefined;
  return { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16), isRemote: true };
}

function injectTraceContext(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
  const span = trace.getSpanContext(ctx);
  if (span === undefined || suppressed(ctx) || !isSpanContextValid(span)) return;
  const flags = Number(span.traceFlags || TraceFlags.NONE).toString(16);
  setter.set(carrier, TRACEPARENT, `00-${span.traceId}-${span.spanId}-0${flags}`);
  if (span.traceState !== undefined) setter.set(carrier, TRACESTATE, span.traceState.serialize());
}

function extractTraceContext(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
  const header = first(getter.get(carrier, TRACEPARENT));
  if (typeof header !== 'string' || header === '') return ctx;
  const span = parseTraceparent(header);
  if (span === undefined) return ctx;
  const state = getter.get(carrier, TRACESTATE);
  // Several tracestate headers are one list (an empty list too, as @opentelemetry/core has it).
  if (state !== undefined && state !== '')
    span.traceState = W3CTraceState.parse(Array.isArray(state) ? state.join(',') : state);
  return trace.setSpanContext(ctx, span);
}

function injectBaggage(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
  const baggage = propagation.getBaggage(ctx);
  if (baggage === undefined || suppressed(ctx)) return;
  const pairs = baggage
    .getAllEntries()
    .map(([key, entry]) => {
      const pair = `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}`;
      // Metadata is opaque: written as given, not encoded.
      return entry.metadata === undefined ? pair : `${pair};${entry.metadata.toString()}`;
    })
    .filter((pair) => pair.length <= BAGGAGE_MAX_ENTRY_LENGTH)
    .slice(0, BAGGAGE_MAX_ENTRIES);
  let header = '';
  for (const pair of pairs) {
    // A pair that would make the header too long is left out; a shorter one after it may fit.
    const next = header === '' ? pair : `${header},${pair}`;
    if (next.length <= BAGGAGE_MAX_LENGTH) header = next;
  }
  if (header !== '') setter.set(carrier, BAGGAGE, header);
}

/** One `key=value;metadata` member, or undefined when it is not valid. */
function parseBaggageEntry(member: string): [string, BaggageEntry] | undefined {
  if (member === '') return undefined;
  const semicolon = member.indexOf(';');
  const pair = semicolon === -1 ? member : member.slice(0, semicolon);
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const rawKey = pair.slice(0, eq).trim();
  const rawValue = pair.slice(eq + 1).trim();
  if (rawKey === '' || rawValue === '') return undefined;
  let key: string;
  let value: string;
  try {
    key = decodeURIComponent(rawKey);
    value = decodeURIComponent(rawValue);
  } catch {
    return undefined;
  }
  if (semicolon === -1 || semicolon >= member.length - 1) return [key, { value }];
  return [key, { value, metadata: baggageEntryMetadataFromString(member.slice(semicolon + 1)) }];
}

function extractBaggage(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
  const header = getter.get(carrier, BAGGAGE);
  if (header === undefined || header === '') return ctx;
  const entries: Record<string, BaggageEntry> = {};
  let count = 0;
  let length = 0;
  // Several baggage headers share the limits.
  for (const value of Array.isArray(header) ? header : [header]) {
    let start = 0;
    while (start < value.length && count < BAGGAGE_MAX_ENTRIES) {
      const comma = value.indexOf(',', start);
      const end = comma === -1 ? value.length : comma;
      if (end - start <= BAGGAGE_MAX_ENTRY_LENGTH) {
        const entry = parseBaggageEntry(value.slice(start, end));
        if (entry !== undefined) {
          const size = (count === 0 ? 0 : 1) + end - start;
          if (length + size > BAGGAGE_MAX_LENGTH) break;
          entries[entry[0]] = entry[1];
          count++;
          length += size;
        }
      }
      if (comma === -1) break;
      start = comma + 1;
    }
  }
  if (count === 0) return ctx;
  return propagation.setBaggage(ctx, propagation.createBaggage(entries));
}

type Step<T> = (ctx: Context, carrier: unknown, io: T) => void | Context;

/** Runs one half of the propagator; a failure is logged (as the SDK's composite does), never thrown. */
function guarded<T>(what: string, step: Step<T>, ctx: Context, carrier: unknown, io: T): Context {
  try {
    return step(ctx, carrier, io) ?? ctx;
  } catch (err) {
    diag.warn(`Failed to ${what}. Err: ${err instanceof Error ? err.message : String(err)}`);
    return ctx;
  }
}

/** W3C trace context + baggage: what Kubernetes components and the SDK's register() install. */
export class W3CPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    guarded('inject trace context', injectTraceContext, ctx, carrier, setter);
    guarded('inject baggage', injectBaggage, ctx, carrier, setter);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const withSpan = guarded('extract trace context', extractTraceContext, ctx, carrier, getter);
    return guarded('extract baggage', extractBaggage, withSpan, carrier, getter);
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE, BAGGAGE];
  }
}

/** The one propagator instance of this package (it holds no state). */
export const w3cPropagator: W3CPropagator = new W3CPropagator();
