import {
  all,
  applyOptions,
  boolean,
  checkValue,
  duration,
  formatProblems,
  func,
  hasMethods,
  integer,
  isPlainObject,
  matches,
  object,
  oneOf,
  union,
  withDefaults,
  type Check,
  type OptionProblem,
} from '@kubediag/options';
import type { ProfilerBackend } from './backend.ts';
import { PprofError, PprofErrorCode } from './errors.ts';
import type { StallRecord } from './flight-recorder/stall-record.ts';

/** Which profiler implementation to use. */
export type BackendChoice = 'inspector' | 'datadog' | 'auto' | ProfilerBackend;

/**
 * The structural subset of `@kubediag/klog`'s Logger the handler uses: errors, V(4) traces, and the
 * stall detector's warning, written with `warning` when the logger has it (klog's `W` line) and with
 * `V(0).info` otherwise.
 */
export interface PprofLogger {
  error(err: unknown, msg: string, kv?: Readonly<Record<string, unknown>>): void;
  warning?(msg: string, kv?: Readonly<Record<string, unknown>>): void;
  V(level: number): {
    readonly enabled: boolean;
    info(msg: string, kv?: Readonly<Record<string, unknown>>): void;
  };
}

/** Options of `createPprofHandler`. Every field is optional. */
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
     * Average microseconds between CPU samples, from 100 to 1 000 000. Go samples at 100 Hz (10 000 µs);
     * 1 000 µs gives finer profiles at about 3 % throughput cost instead of about 1.5 %.
     * @default 10000
     */
    readonly samplingIntervalMicros?: number;
    /** Largest accepted `seconds`, from 1 to 86400; above it the handler answers 400. @default 300 */
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
  /**
   * Continuous low-rate CPU sampling of the last minute and a stall detector (see the README's "Flight
   * recorder"). Off unless `enabled: true`.
   */
  readonly flightRecorder?: FlightRecorderOptions;
  /** Receives handler errors (V(4) traces each profile). Off switch: leave unset. @default undefined */
  readonly logger?: PprofLogger;
}

/**
 * The flight recorder: V8's CPU profiler kept running at a low rate, its samples kept for the last
 * `windowMs` (bounded by `maxBytes`), served by `/debug/pprof/flightrecording`; `/debug/pprof/profile` is
 * cut from the same stream while it runs. Defaults measured in bench/RESULTS.md.
 */
export interface FlightRecorderOptions {
  /** Turn the recorder (and the stall detector) on. Off switch: `false`. @default false */
  readonly enabled?: boolean;
  /**
   * Keep V8's CPU profiler running. Off (`false`), the recorder keeps no samples: the stall detector
   * still warns with each stall's duration and how the thread spent it, and counts it, but cannot name
   * the functions; there is no `flightrecording`, no stall profile, and `/debug/pprof/profile` starts
   * its own profiler. Saves the running profile's memory (4.8 to 5.5 MiB RSS on Node 24, README).
   * Needs `stalls.enabled`. @default true
   */
  readonly cpuSamples?: boolean;
  /**
   * Average microseconds between samples, from 1000 to 1 000 000. Every profile cut from the recorder
   * (including `/debug/pprof/profile`) has this period, whatever `cpu.samplingIntervalMicros` says.
   * @default 20000
   */
  readonly samplingIntervalMicros?: number;
  /** How far back the recorder keeps samples, from 1 s to 1 h. @default 60000 */
  readonly windowMs?: number;
  /**
   * Length of one profile of the chain before it is rotated into the ring, from 100 ms to `windowMs`.
   * Each rotation costs main-thread time in proportion to the distinct stacks of the chunk.
   * @default 5000
   */
  readonly chunkMs?: number;
  /**
   * Most heap bytes the window holds (estimated); the oldest chunks go first, so a busy process keeps a
   * shorter window. From 1 KiB to 1 GiB. V8's profiler itself costs 2 to 5 MiB more (measured, README).
   * @default 1048576
   */
  readonly maxBytes?: number;
  readonly stalls?: StallOptions;
}

/** The stall detector of the flight recorder. */
export interface StallOptions {
  /** Detect stalls while the recorder runs. Off switch: `false`. @default true */
  readonly enabled?: boolean;
  /**
   * A gap longer than this between two turns of the event loop is a stall, from 50 ms to 10 min. The
   * heartbeat ticks every quarter of it (at most every 100 ms).
   * @default 500
   */
  readonly thresholdMs?: number;
  /** How many stall records are kept (the oldest go first), from 1 to 1000. @default 10 */
  readonly keep?: number;
  /** Most bytes the kept records hold (their profiles included), from 1 KiB to 1 GiB. @default 262144 */
  readonly maxBytes?: number;
  /**
   * Name the stall's profile (`profile=<prefix>stalls/<id>`) in its warning line. Turn it off when this
   * handler is not served, so that the line points at nothing that answers 404. @default true
   */
  readonly logProfilePath?: boolean;
  /**
   * Called once per stall, after its warning is logged (for metrics). Errors it throws are logged.
   * @default undefined
   */
  readonly onStall?: ((record: StallRecord) => void) | undefined;
}

/** StallOptions with every default filled in. */
export interface ResolvedStallOptions {
  readonly enabled: boolean;
  readonly thresholdMs: number;
  readonly keep: number;
  readonly maxBytes: number;
  readonly logProfilePath: boolean;
  readonly onStall?: ((record: StallRecord) => void) | undefined;
}

/** FlightRecorderOptions with every default filled in. */
export interface ResolvedFlightRecorderOptions {
  readonly enabled: boolean;
  readonly cpuSamples: boolean;
  readonly samplingIntervalMicros: number;
  readonly windowMs: number;
  readonly chunkMs: number;
  readonly maxBytes: number;
  readonly stalls: ResolvedStallOptions;
}

/** PprofOptions with every default filled in; assignable to PprofOptions. */
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
  readonly flightRecorder: ResolvedFlightRecorderOptions;
  readonly logger?: PprofLogger;
}

/** Options of `collectCpuProfile`. `durationMs` is required. */
export interface CollectCpuProfileOptions {
  /** Profile length in milliseconds (1 ms to 24 h). */
  readonly durationMs: number;
  /** Aborting stops the profiler, frees its samples and rejects with `KDIAG_PPROF_ABORTED`. */
  readonly signal?: AbortSignal;
  /** Average microseconds between CPU samples, from 100 to 1 000 000. @default 10000 (Go's 100 Hz) */
  readonly samplingIntervalMicros?: number;
  /** @default 'inspector' */
  readonly backend?: BackendChoice;
  /** @default 'auto' (map when the process has source maps enabled) */
  readonly sourceMaps?: 'auto' | boolean;
}

/** CollectCpuProfileOptions with every default filled in; assignable to CollectCpuProfileOptions. */
export interface ResolvedCollectCpuProfileOptions {
  readonly durationMs: number;
  readonly signal?: AbortSignal;
  readonly samplingIntervalMicros: number;
  readonly backend: BackendChoice;
  readonly sourceMaps: 'auto' | boolean;
}

/** Options of `collectHeapProfile`. Every field is optional. */
export interface CollectHeapProfileOptions {
  /** Run a full GC first. @default false */
  readonly gc?: boolean;
  /** Sampler interval used if this call starts the sampler. @default 524288 */
  readonly samplingIntervalBytes?: number;
  /** Deepest stack kept per heap sample (@datadog/pprof only), if this call starts the sampler. @default 64 */
  readonly stackDepth?: number;
  /** @default 'inspector' */
  readonly backend?: BackendChoice;
  /** @default 'auto' */
  readonly sourceMaps?: 'auto' | boolean;
}

/** CollectHeapProfileOptions with every default filled in; assignable to CollectHeapProfileOptions. */
export interface ResolvedCollectHeapProfileOptions {
  readonly gc: boolean;
  readonly samplingIntervalBytes: number;
  readonly stackDepth: number;
  readonly backend: BackendChoice;
  readonly sourceMaps: 'auto' | boolean;
}

const DEFAULTS: ResolvedPprofOptions = Object.freeze({
  backend: 'inspector',
  prefix: '/debug/pprof/',
  cpu: Object.freeze({ samplingIntervalMicros: 10_000, maxSeconds: 300 }),
  heap: Object.freeze({ samplingIntervalBytes: 512 * 1024, stackDepth: 64, startOnCreate: true }),
  sourceMaps: 'auto',
  goroutine: Object.freeze({ includeWorkers: true }),
  flightRecorder: Object.freeze({
    enabled: false,
    cpuSamples: true,
    samplingIntervalMicros: 20_000,
    windowMs: 60_000,
    chunkMs: 5_000,
    maxBytes: 1024 * 1024,
    stalls: Object.freeze({
      enabled: true,
      thresholdMs: 500,
      keep: 10,
      maxBytes: 256 * 1024,
      logProfilePath: true,
    }),
  }),
});
// The collect functions take the handler's settings under flat names, with the same defaults.
const COLLECT_CPU_DEFAULTS: Omit<ResolvedCollectCpuProfileOptions, 'durationMs'> = Object.freeze({
  samplingIntervalMicros: DEFAULTS.cpu.samplingIntervalMicros,
  backend: DEFAULTS.backend,
  sourceMaps: DEFAULTS.sourceMaps,
});
const COLLECT_HEAP_DEFAULTS: ResolvedCollectHeapProfileOptions = Object.freeze({
  gc: false,
  samplingIntervalBytes: DEFAULTS.heap.samplingIntervalBytes,
  stackDepth: DEFAULTS.heap.stackDepth,
  backend: DEFAULTS.backend,
  sourceMaps: DEFAULTS.sourceMaps,
});

function isProfilerBackend(value: unknown): boolean {
  const b = value as Partial<ProfilerBackend> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.collectCpuProfile === 'function' &&
    typeof b.collectHeapProfile === 'function'
  );
}

const backendCheck = union(
  '"inspector", "datadog", "auto" or a ProfilerBackend',
  [(v) => typeof v === 'string', oneOf(['inspector', 'datadog', 'auto'])],
  [isProfilerBackend, all()],
);
// V8 accepts intervals down to 1 µs, but below 100 µs the profiler thread dominates the CPU.
const samplingIntervalMicrosCheck = integer({ min: 100, max: 1_000_000 });
const samplingIntervalBytesCheck = integer({ min: 1, max: 2 ** 30 });
const stackDepthCheck = integer({ min: 1, max: 1024 });
const sourceMapsCheck = oneOf(['auto', true, false]);

const SHAPE: Check = object({
  backend: backendCheck,
  prefix: matches(
    (v) => typeof v === 'string' && v.startsWith('/') && v.endsWith('/'),
    'a path starting and ending with "/"',
  ),
  cpu: object({
    samplingIntervalMicros: samplingIntervalMicrosCheck,
    maxSeconds: integer({ min: 1, max: 24 * 3600 }),
  }),
  heap: object({
    samplingIntervalBytes: samplingIntervalBytesCheck,
    stackDepth: stackDepthCheck,
    startOnCreate: boolean(),
  }),
  sourceMaps: sourceMapsCheck,
  goroutine: object({ includeWorkers: boolean() }),
  flightRecorder: object({
    enabled: boolean(),
    cpuSamples: boolean(),
    samplingIntervalMicros: integer({ min: 1000, max: 1_000_000 }),
    windowMs: duration({ min: 1000, max: 3_600_000 }),
    chunkMs: duration({ min: 100, max: 3_600_000 }),
    maxBytes: integer({ min: 1024, max: 2 ** 30 }),
    stalls: object({
      enabled: boolean(),
      thresholdMs: duration({ min: 50, max: 600_000 }),
      keep: integer({ min: 1, max: 1000 }),
      maxBytes: integer({ min: 1024, max: 2 ** 30 }),
      logProfilePath: boolean(),
      onStall: func('a function called with each stall record'),
    }),
  }),
  logger: matches(hasMethods('error', 'V'), 'a logger with error() and V()'),
});
const durationMsCheck = duration({ min: 1 });
const COLLECT_CPU_SHAPE: Check = object({
  durationMs: durationMsCheck,
  signal: matches((v) => v instanceof AbortSignal, 'an AbortSignal'),
  samplingIntervalMicros: samplingIntervalMicrosCheck,
  backend: backendCheck,
  sourceMaps: sourceMapsCheck,
});
const COLLECT_HEAP_SHAPE: Check = object({
  gc: boolean(),
  samplingIntervalBytes: samplingIntervalBytesCheck,
  stackDepth: stackDepthCheck,
  backend: backendCheck,
  sourceMaps: sourceMapsCheck,
});

function invalid(what: string): (problems: readonly OptionProblem[]) => PprofError {
  return (problems) =>
    new PprofError(PprofErrorCode.INVALID_OPTIONS, `invalid ${what} options: ${formatProblems(problems)}`, {
      problems,
    });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolvePprofOptions(options?: PprofOptions): ResolvedPprofOptions {
  const resolved = withDefaults<ResolvedPprofOptions>(DEFAULTS, options);
  // A chunk cannot outlast the window: a window shorter than the default chunk (`windowMs: 1000`) takes
  // chunks of its own length, unless the caller set chunkMs (then validation says what is wrong).
  const given = options?.flightRecorder;
  const recorder = resolved.flightRecorder as ResolvedFlightRecorderOptions | undefined;
  if (
    isPlainObject(given) &&
    given['chunkMs'] === undefined &&
    isPlainObject(recorder) &&
    typeof recorder.windowMs === 'number' &&
    recorder.windowMs < recorder.chunkMs
  )
    return Object.freeze({
      ...resolved,
      flightRecorder: Object.freeze({ ...recorder, chunkMs: recorder.windowMs }),
    });
  return resolved;
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validatePprofOptions(resolved: ResolvedPprofOptions): OptionProblem[] {
  const problems = checkValue(SHAPE, resolved);
  const recorder = resolved.flightRecorder as Partial<ResolvedFlightRecorderOptions> | undefined;
  const { enabled, chunkMs, windowMs, cpuSamples, stalls } = isPlainObject(recorder) ? recorder : {};
  if (typeof chunkMs === 'number' && typeof windowMs === 'number' && chunkMs > windowMs)
    problems.push({
      path: 'flightRecorder.chunkMs',
      message: `expected at most flightRecorder.windowMs (${windowMs}), got ${chunkMs}`,
    });
  // Without samples and without stalls the recorder would run a heartbeat for nothing.
  if (enabled === true && cpuSamples === false && isPlainObject(stalls) && stalls['enabled'] === false)
    problems.push({
      path: 'flightRecorder.cpuSamples',
      message:
        'expected true while flightRecorder.stalls.enabled is false (the recorder would record nothing)',
    });
  return problems;
}

/** 3. apply: resolve → validate → throw once. Internal; createPprofHandler calls it. */
export function applyPprofOptions(options?: PprofOptions): ResolvedPprofOptions {
  return applyOptions(options, {
    resolve: resolvePprofOptions,
    validate: validatePprofOptions,
    invalid: invalid('pprof'),
  });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveCollectCpuProfileOptions(
  options?: CollectCpuProfileOptions,
): ResolvedCollectCpuProfileOptions {
  return withDefaults<ResolvedCollectCpuProfileOptions>(COLLECT_CPU_DEFAULTS, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateCollectCpuProfileOptions(
  resolved: ResolvedCollectCpuProfileOptions,
): OptionProblem[] {
  const problems = checkValue(COLLECT_CPU_SHAPE, resolved);
  // object() skips unset fields; this one has no default, so unset means forgotten.
  if (isPlainObject(resolved) && resolved['durationMs'] === undefined)
    durationMsCheck(undefined, 'durationMs', problems);
  return problems;
}

/** 3. apply: resolve → validate → throw once. Internal; collectCpuProfile calls it. */
export function applyCollectCpuProfileOptions(
  options: CollectCpuProfileOptions,
): ResolvedCollectCpuProfileOptions {
  return applyOptions(options, {
    resolve: resolveCollectCpuProfileOptions,
    validate: validateCollectCpuProfileOptions,
    invalid: invalid('cpu profile'),
  });
}

/** 1. resolve: fills defaults; never throws, never validates. */
export function resolveCollectHeapProfileOptions(
  options?: CollectHeapProfileOptions,
): ResolvedCollectHeapProfileOptions {
  return withDefaults<ResolvedCollectHeapProfileOptions>(COLLECT_HEAP_DEFAULTS, options);
}

/** 2. validate: every problem, each with its path; empty when valid. */
export function validateCollectHeapProfileOptions(
  resolved: ResolvedCollectHeapProfileOptions,
): OptionProblem[] {
  return checkValue(COLLECT_HEAP_SHAPE, resolved);
}

/** 3. apply: resolve → validate → throw once. Internal; collectHeapProfile calls it. */
export function applyCollectHeapProfileOptions(
  options?: CollectHeapProfileOptions,
): ResolvedCollectHeapProfileOptions {
  return applyOptions(options, {
    resolve: resolveCollectHeapProfileOptions,
    validate: validateCollectHeapProfileOptions,
    invalid: invalid('heap profile'),
  });
}
