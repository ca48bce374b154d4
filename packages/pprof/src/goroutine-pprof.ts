import type { Profile } from 'pprof-format';
import type { GoroutineSnapshot } from './goroutine.ts';
import { ProfileBuilder, type Frame } from './internal/profile-builder.ts';
import { urlToPath } from './internal/source-mapper.ts';

const FRAME = /^at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

function parseFrame(line: string): Frame {
  const m = FRAME.exec(line.trim());
  if (!m) return { name: line.trim().replace(/^at /, ''), file: '', startLine: 0, line: 0 };
  const lineNo = Number(m[3]);
  return { name: m[1] ?? '(anonymous)', file: urlToPath(m[2] ?? ''), startLine: 0, line: lineNo };
}

/**
 * `debug=0`: a pprof profile with Go's `goroutine/count` sample type, readable by `go tool pprof`: one sample
 * per thread (its stack under a `thread <name>` root) and one per active resource type (`pending <type>`)
 * with the count as value.
 */
export function goroutineSnapshotToPprof(s: GoroutineSnapshot): Profile {
  const b = new ProfileBuilder();
  for (const t of [s.main, ...s.workers]) {
    const root = b.locationId({ name: `thread ${t.name}`, file: '', startLine: 0, line: 0 });
    b.addSample([...t.stack.map((l) => b.locationId(parseFrame(l))), root], [1]);
  }
  const pending = b.locationId({ name: 'pending async operations', file: '', startLine: 0, line: 0 });
  for (const [type, count] of s.activeResources) {
    b.addSample(
      [b.locationId({ name: `pending ${type}`, file: '', startLine: 0, line: 0 }), pending],
      [count],
    );
  }
  return b.build({
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    periodType: { type: 'goroutine', unit: 'count' },
    period: 1,
    timeNanos: BigInt(s.takenAt.getTime()) * 1_000_000n,
    durationNanos: 0n,
  });
}
