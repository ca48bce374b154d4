export { createPprofHandler } from './handler.ts';
export type { PprofHandler } from './handler.ts';
export type { FlightRecorderStatus } from './flight-recorder/flight-recorder.ts';
export type { StallFrame, StallRecord } from './flight-recorder/stall-record.ts';
export type { StallScheduling } from './flight-recorder/thread-scheduling.ts';
export { collectCpuProfile, collectHeapProfile } from './collect.ts';
export { resolvePprofOptions, validatePprofOptions } from './options.ts';
export type {
  BackendChoice,
  CollectCpuProfileOptions,
  CollectHeapProfileOptions,
  FlightRecorderOptions,
  PprofLogger,
  PprofOptions,
  ResolvedFlightRecorderOptions,
  ResolvedPprofOptions,
  ResolvedStallOptions,
  StallOptions,
} from './options.ts';
export type {
  CpuProfileRequest,
  HeapProfileRequest,
  HeapSamplingRequest,
  ProfilerBackend,
} from './backend.ts';
export { PprofError, PprofErrorCode, isPprofError } from './errors.ts';
export type { OptionProblem } from '@kubediag/options';
