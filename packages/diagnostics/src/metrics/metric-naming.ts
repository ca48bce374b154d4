// prom-client's validation (lib/validation.js), so a bad prefix or label fails as it fails there.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The `prefix` and constant `labels` every default metric carries (prom-client's options of the same names). */
export interface MetricNaming {
  /** `prefix` + `base`; throws prom-client's `Invalid metric name` when that is not a metric name. */
  name(base: string): string;
  /** The constant labels, one object shared by every single-series sample. */
  readonly labels: Readonly<Record<string, string | number>>;
}

/** The naming of one `registerDefaultMetrics` call; throws prom-client's `Invalid label name`. */
export function metricNaming(prefix: string | undefined, labels: object | undefined): MetricNaming {
  const constant = Object.freeze({ ...(labels ?? {}) }) as Readonly<Record<string, string | number>>;
  if (!Object.keys(constant).every((l) => LABEL_NAME.test(l))) throw new Error('Invalid label name');
  return {
    name(base) {
      const name = (prefix ?? '') + base;
      if (!METRIC_NAME.test(name)) throw new Error('Invalid metric name');
      return name;
    },
    labels: constant,
  };
}
