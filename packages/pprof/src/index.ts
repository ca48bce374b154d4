export { createPprofHandler } from './handler.ts';
export type { PprofHandler } from './handler.ts';
export { collectCpuProfile, collectHeapProfile } from './collect.ts';
export type { CollectCpuProfileOptions, CollectHeapProfileOptions } from './collect.ts';
export { encodeProfile } from './encode.ts';
export { InspectorBackend } from './inspector-backend.ts';
export { DatadogBackend } from './datadog-backend.ts';
export { selectBackend } from './select-backend.ts';
export type {
  CpuProfileRequest,
  HeapProfileRequest,
  HeapSamplingRequest,
  ProfilerBackend,
} from './backend.ts';
export {
  DEFAULT_PPROF_OPTIONS,
  resolvePprofOptions,
  validatePprofOptions,
  applyPprofOptions,
} from './options.ts';
export type { BackendChoice, PprofLogger, PprofOptions, ResolvedPprofOptions } from './options.ts';
export {
  PprofError,
  InvalidPprofOptionsError,
  CpuProfileInUseError,
  BackendUnavailableError,
  ProfileFailedError,
  ProfileAbortedError,
} from './errors.ts';
export type { OptionProblem, PprofErrorCode } from './errors.ts';
export { takeGoroutineSnapshot } from './goroutine.ts';
export { renderGoroutineDebug1, renderGoroutineDebug2 } from './goroutine-text.ts';
export { goroutineSnapshotToPprof } from './goroutine-pprof.ts';
export type { GoroutineSnapshot, ThreadStack, LibuvHandle } from './goroutine.ts';
