// The subset of the Chrome DevTools Protocol types (Profiler / HeapProfiler domains) the converters read.
// Declared here instead of importing node:inspector's namespace so the converters stay pure and testable.

export interface V8CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based; -1 when unknown. */
  readonly lineNumber: number;
  /** 0-based; -1 when unknown. */
  readonly columnNumber: number;
}

export interface V8CpuProfileNode {
  readonly id: number;
  readonly callFrame: V8CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
  /** Self ticks per 1-based source line, present when V8 recorded line-level positions. */
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
}

export interface V8CpuProfile {
  readonly nodes: readonly V8CpuProfileNode[];
  /** Microseconds on V8's monotonic clock (not epoch based). */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface V8SamplingHeapProfileNode {
  readonly callFrame: V8CallFrame;
  readonly selfSize: number;
  readonly id: number;
  readonly children: readonly V8SamplingHeapProfileNode[];
}

export interface V8SamplingHeapProfile {
  readonly head: V8SamplingHeapProfileNode;
  readonly samples: readonly { readonly size: number; readonly nodeId: number; readonly ordinal: number }[];
}
