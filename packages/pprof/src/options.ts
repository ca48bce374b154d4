import type { ProfilerBackend } from './backend.ts';
import { InvalidPprofOptionsError, type OptionProblem } from './errors.ts';

/** Which profiler implementation to use. */
export type BackendChoice = 'inspector' | 'datadog' | 'auto' | ProfilerBackend;

/** The structural subset of `@kubediag/klog`'s Logger the handler uses (errors and V(4) traces only). */
export interface PprofLogger {
  error(err: unknown, msg: string, kv?: Readonly<Record<string, unknown>>): void;
  V(level: number): {
    readonly enabled: boolean;
    info(msg: string, kv?: Readonly<Record<string, unknown>>): void;
  };
}

/** Options of {@link createPprofHandler}. Every field is optional; see {@link DEFAULT_PPROF_OPTIONS}. */
export interface PprofOptions {
  /**
   * `'inspector'`: V8 profilers through `node:inspector` + `pprof-format`, no native code. `'datadog'`: the
   * `@datadog/pprof` addon (must be installed by the application). `'auto'`: `@datadog/pprof` when it can be
   * imported, else the inspector. Or any {@link ProfilerBackend}.
   * @default 'inspector'
   */
  readonly backend?: BackendChoice;
  /** Path prefix the handler is mounted at; the rest of the path names the profile. @default '/debug/pprof/' */
  readonly prefix?: string;
  readonly cpu?: {
    /**
     * Average microseconds between CPU samples. Go samples at 100 Hz (10 000 µs); 1 000 µs gives finer
     * profiles at about 3 % throughput cost instead of about 1.5 %.
     * @default 10000
     */
    readonly samplingIntervalMicros?: number;
    /** Largest accepted `seconds`; above it the handler answers 400. @default 300 */
    readonly maxSeconds?: number;
  };
  readonly heap?: {
    /** Average bytes between heap samples (Go's `MemProfileRate`). @default 524288 */
    readonly samplingIntervalBytes?: number;
    /** Deepest stack kept per heap sample (@datadog/pprof only). @default 64 */
    readonly stackDepth?: number;
    /**
     * Start the sampling heap profiler when the handler is created, as Go always samples, so the first
     * `/heap` already shows what was allocated since start. Off switch: `false` (the sampler then starts on
     * the first `/heap` request and that profile only covers allocations from then on).
     * @default true
     */
    readonly startOnCreate?: boolean;
  };
  /**
   * Map frames to original sources. `'auto'`: when the process has source maps enabled (`--enable-source-maps`
   * or `process.setSourceMapsEnabled(true)` before the application's modules load). Off switch: `false`.
   * @default 'auto'
   */
  readonly sourceMaps?: 'auto' | boolean;
  readonly goroutine?: {
    /**
     * Include worker threads' JavaScript stacks (collected with `process.report`, which interrupts each
     * worker briefly). Off switch: `false`.
     * @default true
     */
    readonly includeWorkers?: boolean;
  };
  /** Receives handler errors (V(4) traces each profile). Off switch: leave unset. @default undefined */
  readonly logger?: PprofLogger;
}

/** {@link PprofOptions} with every default filled in. */
export interface ResolvedPprofOptions {
  readonly backend: BackendChoice;
  readonly prefix: string;
  readonly cpu: { readonly samplingIntervalMicros: number; readonly maxSeconds: number };
  readonly heap: {
    readonly samplingIntervalBytes: number;
    readonly stackDepth: number;
    readonly startOnCreate: boolean;
  };
  readonly sourceMaps: 'auto' | boolean;
  readonly goroutine: { readonly includeWorkers: boolean };
  readonly logger: PprofLogger | undefined;
}

export const DEFAULT_PPROF_OPTIONS: Readonly<Omit<ResolvedPprofOptions, 'logger'>> = Object.freeze({
  backend: 'inspector',
  prefix: '/debug/pprof/',
  cpu: Object.freeze({ samplingIntervalMicros: 10_000, maxSeconds: 300 }),
  heap: Object.freeze({ samplingIntervalBytes: 512 * 1024, stackDepth: 64, startOnCreate: true }),
  sourceMaps: 'auto',
  goroutine: Object.freeze({ includeWorkers: true }),
} as const);

export function resolvePprofOptions(options: PprofOptions = {}): ResolvedPprofOptions {
  const d = DEFAULT_PPROF_OPTIONS;
  return {
    backend: options.backend ?? d.backend,
    prefix: options.prefix ?? d.prefix,
    cpu: {
      samplingIntervalMicros: options.cpu?.samplingIntervalMicros ?? d.cpu.samplingIntervalMicros,
      maxSeconds: options.cpu?.maxSeconds ?? d.cpu.maxSeconds,
    },
    heap: {
      samplingIntervalBytes: options.heap?.samplingIntervalBytes ?? d.heap.samplingIntervalBytes,
      stackDepth: options.heap?.stackDepth ?? d.heap.stackDepth,
      startOnCreate: options.heap?.startOnCreate ?? d.heap.startOnCreate,
    },
    sourceMaps: options.sourceMaps ?? d.sourceMaps,
    goroutine: { includeWorkers: options.goroutine?.includeWorkers ?? d.goroutine.includeWorkers },
    logger: options.logger,
  };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return v === null ? 'null' : 'an object';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeof v;
}

function positiveInteger(problems: OptionProblem[], path: string, v: number, max: number): void {
  if (!Number.isSafeInteger(v) || v <= 0 || v > max) {
    problems.push({ path, message: `expected an integer from 1 to ${max}, got ${describe(v)}` });
  }
}

/** Returns every problem in resolved options (empty when valid). */
export function validatePprofOptions(o: ResolvedPprofOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const b = o.backend;
  const isBackend =
    typeof b === 'object' &&
    b !== null &&
    typeof b.collectCpuProfile === 'function' &&
    typeof b.collectHeapProfile === 'function';
  if (!isBackend && b !== 'inspector' && b !== 'datadog' && b !== 'auto') {
    problems.push({
      path: 'backend',
      message: `expected "inspector", "datadog", "auto" or a ProfilerBackend, got ${describe(b)}`,
    });
  }
  if (typeof o.prefix !== 'string' || !o.prefix.startsWith('/') || !o.prefix.endsWith('/')) {
    problems.push({
      path: 'prefix',
      message: `expected a path starting and ending with "/", got ${describe(o.prefix)}`,
    });
  }
  // V8 accepts intervals down to 1 µs but below 100 µs the profiler thread dominates the CPU.
  positiveInteger(problems, 'cpu.samplingIntervalMicros', o.cpu.samplingIntervalMicros, 1_000_000);
  if (Number.isSafeInteger(o.cpu.samplingIntervalMicros) && o.cpu.samplingIntervalMicros < 100) {
    problems.push({
      path: 'cpu.samplingIntervalMicros',
      message: `expected at least 100, got ${o.cpu.samplingIntervalMicros}`,
    });
  }
  positiveInteger(problems, 'cpu.maxSeconds', o.cpu.maxSeconds, 24 * 3600);
  positiveInteger(problems, 'heap.samplingIntervalBytes', o.heap.samplingIntervalBytes, 2 ** 30);
  positiveInteger(problems, 'heap.stackDepth', o.heap.stackDepth, 1024);
  if (typeof o.heap.startOnCreate !== 'boolean') {
    problems.push({
      path: 'heap.startOnCreate',
      message: `expected a boolean, got ${describe(o.heap.startOnCreate)}`,
    });
  }
  if (o.sourceMaps !== 'auto' && typeof o.sourceMaps !== 'boolean') {
    problems.push({
      path: 'sourceMaps',
      message: `expected "auto" or a boolean, got ${describe(o.sourceMaps)}`,
    });
  }
  if (typeof o.goroutine.includeWorkers !== 'boolean') {
    problems.push({
      path: 'goroutine.includeWorkers',
      message: `expected a boolean, got ${describe(o.goroutine.includeWorkers)}`,
    });
  }
  return problems;
}

/** Resolves and validates; throws {@link InvalidPprofOptionsError} listing every problem. */
export function applyPprofOptions(options: PprofOptions = {}): ResolvedPprofOptions {
  const resolved = resolvePprofOptions(options);
  const problems = validatePprofOptions(resolved);
  if (problems.length > 0) throw new InvalidPprofOptionsError(problems);
  return resolved;
}
