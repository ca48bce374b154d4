import type { Logger } from '@kubediag/klog';
import {
  hasMethods,
  applyOptions,
  checkValue,
  duration,
  formatProblems,
  func,
  integer,
  matches,
  object,
  string,
  withDefaults,
  type OptionProblem,
  type Shape,
} from '@kubediag/options';
import type { Registry } from 'prom-client';
import { ControllerError, ControllerErrorCode } from './errors.ts';
import type { ReconcileSpan, Reconciler } from './reconciler.ts';

/** Options of `createController`. `name`, `reconcile` and `logger` are required. */
export interface ControllerOptions {
  /** Controller name: the `controller` label of every metric and the logger's name. */
  readonly name: string;
  /** Brings one object to its desired state. */
  readonly reconcile: Reconciler;
  /** Every reconcile logs through `logger.withName(name)`, with the request's namespace and name. */
  readonly logger: Logger;
  /** Where the reconcile and work-queue metrics are registered. @default none: no metrics */
  readonly registry?: Registry;
  /** Reconciles running at once (never two of the same key). @default 1 */
  readonly maxConcurrentReconciles?: number;
  /** Wraps each reconcile, e.g. in a tracing span. @default none: the reconcile runs as is */
  readonly span?: ReconcileSpan;
}

/** ControllerOptions with every default filled in; assignable to ControllerOptions. */
export interface ResolvedControllerOptions {
  readonly name: string;
  readonly reconcile: Reconciler;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly maxConcurrentReconciles: number;
  readonly span: ReconcileSpan;
}

/** The backoff of `WorkQueue.addRateLimited`: `baseMs` doubling per failure of a key, up to `maxMs`. */
export interface BackoffOptions {
  /** First delay. @default 5 (client-go's) */
  readonly baseMs?: number;
  /** Longest delay. @default 1_000_000 (client-go's 1000 s) */
  readonly maxMs?: number;
}

/** Options of `createWorkQueue`. `name` is required. */
export interface WorkQueueOptions {
  /** Queue name; controller-runtime sets both `name` and `controller` labels to the controller name. */
  readonly name: string;
  /** Where the `workqueue_*` metrics are registered. @default none: no metrics */
  readonly registry?: Registry;
  /** Backoff of `addRateLimited`. @default { baseMs: 5, maxMs: 1_000_000 } */
  readonly backoff?: BackoffOptions;
}

/** WorkQueueOptions with every default filled in; assignable to WorkQueueOptions. */
export interface ResolvedWorkQueueOptions {
  readonly name: string;
  readonly registry?: Registry;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
}

/** Options of `createReconcileMetrics`. `controller` and `registry` are required. */
export interface ReconcileMetricsOptions {
  /** The controller label (controller-runtime uses the controller's name). */
  readonly controller: string;
  /** Where the metrics are registered (shared with other controllers on the same registry). */
  readonly registry: Registry;
  /** Value of `controller_runtime_max_concurrent_reconciles`. @default 1 */
  readonly maxConcurrentReconciles?: number;
}

/** ReconcileMetricsOptions with every default filled in; assignable to ReconcileMetricsOptions. */
export interface ResolvedReconcileMetricsOptions {
  readonly controller: string;
  readonly registry: Registry;
  readonly maxConcurrentReconciles: number;
}

const runAsIs: ReconcileSpan = (_request, fn) => fn();

const CONTROLLER_DEFAULTS: Omit<ResolvedControllerOptions, 'name' | 'reconcile' | 'logger'> = Object.freeze({
  maxConcurrentReconciles: 1,
  span: runAsIs,
});
const WORK_QUEUE_DEFAULTS: Omit<ResolvedWorkQueueOptions, 'name'> = Object.freeze({
  backoff: Object.freeze({ baseMs: 5, maxMs: 1_000_000 }),
});
const RECONCILE_METRICS_DEFAULTS: Omit<ResolvedReconcileMetricsOptions, 'controller' | 'registry'> =
  Object.freeze({ maxConcurrentReconciles: 1 });

const METHODS_OF_LOGGER = ['info', 'error', 'V', 'withName', 'withValues'] as const;
const METHODS_OF_REGISTRY = ['getSingleMetric', 'registerMetric', 'metrics'] as const;

const registryCheck = matches(hasMethods(...METHODS_OF_REGISTRY), 'a prom-client Registry');
const concurrencyCheck = integer({ min: 1 });

const CONTROLLER_FIELDS: Shape = {
  name: string(),
  reconcile: func('a reconcile function (request, log) => Promise'),
  logger: matches(hasMethods(...METHODS_OF_LOGGER), 'a @kubediag/klog Logger'),
  registry: registryCheck,
  maxConcurrentReconciles: concurrencyCheck,
  span: func('a span function (request, fn) => Promise'),
};
const WORK_QUEUE_FIELDS: Shape = {
  name: string(),
  registry: registryCheck,
  backoff: object({ baseMs: duration({ min: 1 }), maxMs: duration({ min: 1 }) }),
};
const RECONCILE_METRICS_FIELDS: Shape = {
  controller: string(),
  registry: registryCheck,
  maxConcurrentReconciles: concurrencyCheck,
};

/**
 * Checks a block against its fields, and the required ones even when absent: `object()` skips a field
 * that is unset, which for a field with no default means the caller forgot it.
 */
function checkBlock(fields: Shape, required: readonly string[], resolved: object): OptionProblem[] {
  const problems = checkValue(object(fields), resolved);
  for (const key of required)
    if ((resolved as Record<string, unknown>)[key] === undefined) fields[key]?.(undefined, key, problems);
  return problems;
}

function invalid(what: string): (problems: readonly OptionProblem[]) => ControllerError {
  return (problems) =>
    new ControllerError(
      ControllerErrorCode.INVALID_OPTIONS,
      `invalid ${what} options: ${formatProblems(problems)}`,
      {
        problems,
      },
    );
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveControllerOptions(options?: ControllerOptions): ResolvedControllerOptions {
  return withDefaults<ResolvedControllerOptions>(CONTROLLER_DEFAULTS, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateControllerOptions(resolved: ResolvedControllerOptions): OptionProblem[] {
  return checkBlock(CONTROLLER_FIELDS, ['name', 'reconcile', 'logger'], resolved);
}

/** 3. apply: resolve → validate → throw once. Internal; createController calls it. */
export function applyControllerOptions(options: ControllerOptions): ResolvedControllerOptions {
  return applyOptions(options, {
    resolve: resolveControllerOptions,
    validate: validateControllerOptions,
    invalid: invalid('controller'),
  });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveWorkQueueOptions(options?: WorkQueueOptions): ResolvedWorkQueueOptions {
  return withDefaults<ResolvedWorkQueueOptions>(WORK_QUEUE_DEFAULTS, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateWorkQueueOptions(resolved: ResolvedWorkQueueOptions): OptionProblem[] {
  const problems = checkBlock(WORK_QUEUE_FIELDS, ['name'], resolved);
  if (problems.length > 0) return problems; // the cross-field rule needs two valid numbers
  const { baseMs, maxMs } = resolved.backoff;
  if (maxMs < baseMs)
    problems.push({
      path: 'backoff.maxMs',
      message: `expected at least backoff.baseMs (${baseMs}), got ${maxMs}`,
    });
  return problems;
}

/** 3. apply: resolve → validate → throw once. Internal; createWorkQueue calls it. */
export function applyWorkQueueOptions(options: WorkQueueOptions): ResolvedWorkQueueOptions {
  return applyOptions(options, {
    resolve: resolveWorkQueueOptions,
    validate: validateWorkQueueOptions,
    invalid: invalid('work queue'),
  });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveReconcileMetricsOptions(
  options?: ReconcileMetricsOptions,
): ResolvedReconcileMetricsOptions {
  return withDefaults<ResolvedReconcileMetricsOptions>(RECONCILE_METRICS_DEFAULTS, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateReconcileMetricsOptions(resolved: ResolvedReconcileMetricsOptions): OptionProblem[] {
  return checkBlock(RECONCILE_METRICS_FIELDS, ['controller', 'registry'], resolved);
}

/** 3. apply: resolve → validate → throw once. Internal; createReconcileMetrics calls it. */
export function applyReconcileMetricsOptions(
  options: ReconcileMetricsOptions,
): ResolvedReconcileMetricsOptions {
  return applyOptions(options, {
    resolve: resolveReconcileMetricsOptions,
    validate: validateReconcileMetricsOptions,
    invalid: invalid('reconcile metrics'),
  });
}
