/*
 * The text of prom-client 15's `Registry.metrics()`, line for line, so that `/metrics` can be written
 * in slices (and in either format from one registry) and still be byte-identical to what prom-client
 * writes. Each helper is prom-client's (lib/registry.js, lib/util.js) with its quirks kept on purpose:
 * NaN is written `Nan`, a non-string label value is written as JavaScript prints it, a counter in
 * OpenMetrics loses a trailing `_total` in its family name and gains it on every sample.
 */

/** The two exposition formats prom-client writes. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** An exemplar as prom-client stores it (`lib/exemplar.js`). */
export interface ExemplarValue {
  readonly labelSet: Readonly<Record<string, unknown>>;
  readonly value: unknown;
  readonly timestamp?: unknown;
}

/** One sample of a metric's `get()`/`getForPromString()` result. */
export interface SampleValue {
  readonly value: unknown;
  readonly labels?: Readonly<Record<string, unknown>>;
  readonly sharedLabels?: Readonly<Record<string, unknown>>;
  readonly metricName?: string;
  readonly exemplar?: ExemplarValue | null;
}

/** What a prom-client metric's `get()` resolves to. */
export interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly values?: readonly SampleValue[];
}

/** prom-client's `escapeString`: backslash and newline. Throws, as prom-client does, on a non-string. */
export function escapeString(s: string): string {
  if (s.indexOf('\\') === -1 && s.indexOf('\n') === -1) return s;
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** prom-client's `escapeLabelValue`: strings escaped (and `"`), anything else printed as it is. */
function escapeLabelValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.indexOf('\\') === -1 && value.indexOf('\n') === -1 && value.indexOf('"') === -1) return value;
  return escapeString(value).replace(/"/g, '\\"');
}

/** prom-client's `getValueAsString`, `Nan` included. */
export function valueString(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'Nan';
    if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
    return `${value}`;
  }
  // Number.isFinite is false for every non-number, so prom-client writes +Inf or -Inf for them.
  return (value as number) < 0 ? '-Inf' : '+Inf';
}

/** `name="value"` pairs of `labels`, comma-joined, leaving out the names `exclude` has. */
function formatLabels(
  labels: Readonly<Record<string, unknown>>,
  exclude: Readonly<Record<string, unknown>> | undefined,
): string {
  let out = '';
  for (const name of Object.keys(labels)) {
    if (exclude !== undefined && Object.hasOwn(exclude, name)) continue;
    out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(labels[name]) as string}"`;
  }
  return out;
}

// prom-client caches the shared labels of a histogram's series by object identity, as here: they are
// the series' own label object, unchanged for its lifetime.
const sharedLabelCache = new WeakMap<object, string>();
function flattenSharedLabels(labels: Readonly<Record<string, unknown>>): string {
  let flat = sharedLabelCache.get(labels);
  if (flat === undefined) {
    flat = formatLabels(labels, undefined);
    sharedLabelCache.set(labels, flat);
  }
  return flat;
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** Writes the metrics of one registry, one metric at a time, into a string the caller takes in pieces. */
export class ExpositionWriter {
  readonly #openMetrics: boolean;
  readonly #defaultLabels: Readonly<Record<string, unknown>> | undefined;
  #out = '';
  #written = 0;

  constructor(format: ExpositionFormat, defaultLabels: Readonly<Record<string, unknown>> | undefined) {
    this.#openMetrics = format === 'openmetrics';
    this.#defaultLabels =
      defaultLabels !== undefined && Object.keys(defaultLabels).length > 0 ? defaultLabels : undefined;
  }

  /** The family name and the header lines of `metric`; then {@link sample} for each of its values. */
  header(metric: Pick<MetricSnapshot, 'name' | 'help' | 'type'>): string {
    let name = escapeString(metric.name);
    // prom-client renames an OpenMetrics registry's counters in place before reading them; the name
    // is computed here instead, so that one registry can be written in both formats.
    if (this.#openMetrics && metric.type === 'counter' && name.endsWith('_total')) name = name.slice(0, -6);
    // Metrics are joined by a blank line in the text format, by a newline in OpenMetrics.
    const separator = this.#written === 0 ? '' : this.#openMetrics ? '\n' : '\n\n';
    this.#out += `${separator}# HELP ${name} ${escapeString(metric.help)}\n# TYPE ${name} ${metric.type}`;
    this.#written++;
    return name;
  }

  /** One sample line of the metric whose {@link header} returned `name`. */
  sample(name: string, type: string, val: SampleValue): void {
    let metricName = val.metricName === undefined ? name : val.metricName;
    if (this.#openMetrics && type === 'counter') metricName = `${metricName}_total`;
    let labels = val.labels === undefined ? EMPTY : val.labels;
    const shared = val.sharedLabels === undefined ? EMPTY : val.sharedLabels;
    if (this.#defaultLabels !== undefined) labels = { ...labels, ...this.#defaultLabels, ...labels };
    const own = formatLabels(labels, shared);
    const sharedText = flattenSharedLabels(shared);
    const inner = own === '' ? sharedText : sharedText === '' ? own : `${own},${sharedText}`;
    let line = `\n${metricName}${inner === '' ? '' : `{${inner}}`} ${valueString(val.value)}`;
    const { exemplar } = val;
    if (exemplar && this.#openMetrics) {
      line += ` # {${formatLabels(exemplar.labelSet, undefined)}} ${valueString(exemplar.value)} ${exemplar.timestamp as string}`;
    }
    this.#out += line;
  }

  /** The text written since the last take. */
  take(): string {
    const out = this.#out;
    this.#out = '';
    return out;
  }

  /** What ends the exposition: a newline, and OpenMetrics' `# EOF`. */
  end(): string {
    return this.#openMetrics ? '\n# EOF\n' : '\n';
  }
}
