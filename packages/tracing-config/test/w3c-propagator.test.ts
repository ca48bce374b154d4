// The package's own W3C propagator (written against @opentelemetry/api alone, so that tracing off
// never loads @opentelemetry/core) against @opentelemetry/core's CompositePropagator of
// W3CTraceContextPropagator and W3CBaggagePropagator: the same headers, byte for byte, and the same
// contexts extracted from the same headers.
import {
  baggageEntryMetadataFromString,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type BaggageEntry,
  type Context,
  type TextMapPropagator,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  suppressTracing,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { W3CTraceState } from '../src/internal/trace-state.ts';
import { w3cPropagator } from '../src/internal/w3c-propagator.ts';

const core: TextMapPropagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

type Headers = Record<string, string | string[]>;

/** Every header a propagator writes, in order. */
function injected(propagator: TextMapPropagator, ctx: Context): [string, string][] {
  const written: [string, string][] = [];
  propagator.inject(ctx, {}, { set: (_carrier, key, value) => written.push([key, value]) });
  return written;
}

/** What a propagator extracts from `headers`, as plain data. */
function extracted(propagator: TextMapPropagator, headers: Headers): unknown {
  const ctx = propagator.extract(ROOT_CONTEXT, headers, {
    get: (carrier: Headers, key) => carrier[key],
    keys: (carrier: Headers) => Object.keys(carrier),
  });
  const span = trace.getSpanContext(ctx);
  const baggage = propagation.getBaggage(ctx);
  return {
    span: span === undefined ? undefined : { ...span, traceState: span.traceState?.serialize() },
    baggage: baggage?.getAllEntries().map(([key, e]) => [key, e.value, e.metadata?.toString()]),
  };
}

function withSpan(traceFlags: number, traceState?: TraceState | W3CTraceState): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags,
    ...(traceState === undefined ? {} : { traceState }),
  });
}

function withBaggage(ctx: Context, entries: Record<string, BaggageEntry>): Context {
  return propagation.setBaggage(ctx, propagation.createBaggage(entries));
}

const many = (n: number, size = 1): Record<string, BaggageEntry> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { value: 'v'.repeat(size) }]));

const injectCases: [string, Context][] = [
  ['no span, no baggage', ROOT_CONTEXT],
  ['a sampled span', withSpan(TraceFlags.SAMPLED)],
  ['an unsampled span', withSpan(TraceFlags.NONE)],
  ['flags beyond sampled', withSpan(0x03)],
  [
    'an invalid span context',
    trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 }),
  ],
  ['a tracestate (core)', withSpan(1, new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'))],
  ['a tracestate (ours)', withSpan(1, W3CTraceState.parse('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'))],
  ['suppressed tracing', suppressTracing(withBaggage(withSpan(1), { a: { value: 'b' } }))],
  ['baggage', withBaggage(ROOT_CONTEXT, { tenant: { value: 'a' }, user: { value: 'b' } })],
  ['baggage to encode', withBaggage(ROOT_CONTEXT, { 'k é,=;': { value: 'v é,=;%' } })],
  [
    'baggage with metadata',
    withBaggage(ROOT_CONTEXT, {
      a: { value: '1', metadata: baggageEntryMetadataFromString('prop1;prop2=x') },
    }),
  ],
  ['181 baggage entries', withBaggage(ROOT_CONTEXT, many(181))],
  ['baggage over 8192 characters', withBaggage(ROOT_CONTEXT, many(100, 100))],
  [
    'a baggage entry over 4096 characters among short ones',
    withBaggage(ROOT_CONTEXT, { a: { value: '1' }, long: { value: 'x'.repeat(5000) }, z: { value: '2' } }),
  ],
  ['span and baggage', withBaggage(withSpan(1), { tenant: { value: 'a' } })],
];

const valid = `00-${TRACE_ID}-${SPAN_ID}-01`;
const extractCases: [string, Headers][] = [
  ['nothing', {}],
  ['a sampled traceparent', { traceparent: valid }],
  ['an unsampled traceparent', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` }],
  ['surrounding spaces', { traceparent: ` ${valid} ` }],
  ['version ff', { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }],
  ['version 00 with a fifth field', { traceparent: `${valid}-extra` }],
  ['a later version with a fifth field', { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-extra` }],
  ['a zero trace id', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }],
  ['a zero span id', { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` }],
  ['upper-case hex', { traceparent: valid.toUpperCase() }],
  ['an empty traceparent', { traceparent: '' }],
  ['traceparent headers', { traceparent: [valid, `00-${TRACE_ID}-${SPAN_ID}-00`] }],
  ['a tracestate without traceparent', { tracestate: 'a=1' }],
  ['a tracestate', { traceparent: valid, tracestate: 'congo=t61rcWkgMzE, rojo=00f067aa0ba902b7' }],
  ['invalid tracestate members', { traceparent: valid, tracestate: 'A=1,b=,c,d=x=y,vendor@sys=ok,e=2' }],
  ['a duplicate tracestate key', { traceparent: valid, tracestate: 'a=1,b=2,a=3' }],
  [
    'more than 32 tracestate members',
    { traceparent: valid, tracestate: Array.from({ length: 40 }, (_, i) => `k${i}=v${i}`).join(',') },
  ],
  [
    'a tracestate over 512 characters',
    {
      traceparent: valid,
      tracestate: Array.from({ length: 30 }, (_, i) => `k${i}=${'v'.repeat(20)}`).join(','),
    },
  ],
  ['tracestate headers', { traceparent: valid, tracestate: ['a=1', 'b=2'] }],
  ['an empty tracestate list', { traceparent: valid, tracestate: [] }],
  ['a tracestate list of one empty header', { traceparent: valid, tracestate: [''] }],
  ['baggage', { baggage: 'tenant=a, user = b ' }],
  ['encoded baggage', { baggage: 'k%20%C3%A9=v%2C%3D' }],
  ['baggage with metadata', { baggage: 'a=1;prop1;prop2=x,b=2;' }],
  ['invalid baggage members', { baggage: '=1,a=,b,c=%E0%A4%A,d=4' }],
  ['an empty baggage header', { baggage: '' }],
  ['baggage headers', { baggage: ['a=1', 'b=2'] }],
  ['181 baggage entries', { baggage: Array.from({ length: 181 }, (_, i) => `k${i}=v`).join(',') }],
  [
    'baggage over 8192 characters',
    { baggage: Array.from({ length: 100 }, (_, i) => `k${i}=${'v'.repeat(100)}`).join(',') },
  ],
  [
    'baggage headers over 8192 characters together',
    { baggage: [`a=${'v'.repeat(4000)}`, `b=${'v'.repeat(4000)}`, `c=${'v'.repeat(300)}`, 'd=1'] },
  ],
  ['a baggage member over 4096 characters', { baggage: `a=1,long=${'x'.repeat(5000)},z=2` }],
  ['everything', { traceparent: valid, tracestate: 'a=1', baggage: 'tenant=a' }],
];

describe('the W3C propagator, against @opentelemetry/core', () => {
  it.each(injectCases)('injects the same headers: %s', (_name, ctx) => {
    expect(injected(w3cPropagator, ctx)).toEqual(injected(core, ctx));
  });

  it('injects and extracts what W3C specifies (the comparisons are not vacuous)', () => {
    const ctx = withBaggage(withSpan(1, W3CTraceState.parse('a=1')), { tenant: { value: 'a b' } });
    const headers = Object.fromEntries(injected(w3cPropagator, ctx));
    expect(headers).toEqual({ traceparent: valid, tracestate: 'a=1', baggage: 'tenant=a%20b' });
    expect(extracted(w3cPropagator, headers)).toEqual({
      span: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true, traceState: 'a=1' },
      baggage: [['tenant', 'a b', undefined]],
    });
  });

  it.each(extractCases)('extracts the same context: %s', (_name, headers) => {
    expect(extracted(w3cPropagator, headers)).toEqual(extracted(core, headers));
  });

  it('names the same fields', () => {
    expect(w3cPropagator.fields()).toEqual(core.fields());
  });
});

describe('W3CTraceState, against @opentelemetry/core TraceState', () => {
  it('sets, replaces and unsets members within the same limits', () => {
    const raw = 'a=1,b=2,c=3';
    let ours: W3CTraceState = W3CTraceState.parse(raw);
    let theirs = new TraceState(raw);
    const steps: [string, (s: W3CTraceState | TraceState) => W3CTraceState | TraceState][] = [
      ['set new', (s) => s.set('d', '4')],
      ['set existing', (s) => s.set('b', '22')],
      ['set invalid key', (s) => s.set('B', '1')],
      ['set invalid value', (s) => s.set('e', 'x,y')],
      ['unset', (s) => s.unset('a')],
      ['unset missing', (s) => s.unset('zz')],
      ['set too long', (s) => s.set('f', 'v'.repeat(255))],
      ['set too long again', (s) => s.set('g', 'v'.repeat(255))],
    ];
    for (const [name, step] of steps) {
      ours = step(ours) as W3CTraceState;
      theirs = step(theirs) as TraceState;
      expect(ours.serialize(), name).toBe(theirs.serialize());
      expect(ours.get('b'), name).toBe(theirs.get('b'));
    }
  });
});
