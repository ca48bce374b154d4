import type { Profile } from 'pprof-format';
import { ProfileBuilder } from './profile-builder.ts';
import { SourceMapper, unmappedFrame, type RawFrame } from './source-mapper.ts';
import type { V8SamplingHeapProfile, V8SamplingHeapProfileNode } from './v8-types.ts';

export interface HeapConversionOptions {
  /** Average bytes between samples the sampler ran with; becomes pprof `period` and drives unsampling. */
  readonly samplingIntervalBytes: number;
  readonly sourceMaps: boolean;
  readonly nowMs: number;
}

/**
 * Converts V8's sampling heap profile to pprof with Go's heap sample types (`inuse_objects/count`,
 * `inuse_space/bytes`). V8 samples allocations as a Poisson process, like Go's MemProfileRate, so each sample
 * is scaled by 1/(1-e^(-size/interval)) as Go's `scaleHeapSample` does, giving estimates of the real totals.
 */
export function heapProfileToPprof(v8: V8SamplingHeapProfile, options: HeapConversionOptions): Profile {
  const builder = new ProfileBuilder();
  const mapper = options.sourceMaps ? new SourceMapper() : undefined;
  const interval = options.samplingIntervalBytes;

  // Samples per node, grouped by allocation size (the scale factor depends on the size).
  const byNode = new Map<number, Map<number, number>>();
  for (const s of v8.samples) {
    let sizes = byNode.get(s.nodeId);
    if (!sizes) byNode.set(s.nodeId, (sizes = new Map<number, number>()));
    sizes.set(s.size, (sizes.get(s.size) ?? 0) + 1);
  }

  const walk = (node: V8SamplingHeapProfileNode, stack: readonly number[]): void => {
    const cf = node.callFrame;
    let here = stack;
    if (cf.functionName !== '(root)') {
      const raw: RawFrame = {
        name: cf.functionName,
        url: cf.url,
        startLine0: cf.lineNumber,
        startColumn0: cf.columnNumber,
        line0: cf.lineNumber,
      };
      here = [builder.locationId(mapper ? mapper.map(raw) : unmappedFrame(raw)), ...stack];
    }
    const sizes = byNode.get(node.id);
    if (sizes && here.length > 0) {
      let objects = 0;
      let bytes = 0;
      for (const [size, count] of sizes) {
        const scale = size > 0 && interval > 0 ? 1 / (1 - Math.exp(-size / interval)) : 1;
        objects += count * scale;
        bytes += count * size * scale;
      }
      builder.addSample(here, [Math.round(objects), Math.round(bytes)]);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(v8.head, []);

  return builder.build({
    sampleTypes: [
      { type: 'inuse_objects', unit: 'count' },
      { type: 'inuse_space', unit: 'bytes' },
    ],
    periodType: { type: 'space', unit: 'bytes' },
    period: interval,
    timeNanos: BigInt(Math.round(options.nowMs)) * 1_000_000n,
    durationNanos: 0n,
  });
}
