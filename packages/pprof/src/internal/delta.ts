import type { Profile } from 'pprof-format';
import { ProfileBuilder } from './profile-builder.ts';
import { frameKey, readSamples, sampleTypeNames } from './profile-reader.ts';

/**
 * Go's delta profile (`?seconds=N` on heap/allocs): `after - before` per stack, zero rows dropped, negative
 * rows kept (memory freed during the window), `timeNanos` of the second profile and the window as duration.
 */
export function subtractProfiles(after: Profile, before: Profile, durationNanos: bigint): Profile {
  const b = new ProfileBuilder();
  const previous = new Map<string, number[]>();
  for (const s of readSamples(before)) {
    const key = frameKey(s.frames);
    const acc = previous.get(key);
    previous.set(key, acc ? acc.map((v, i) => v + (s.values[i] ?? 0)) : s.values);
  }
  const current = new Map<
    string,
    { frames: ReturnType<typeof readSamples>[number]['frames']; values: number[] }
  >();
  for (const s of readSamples(after)) {
    const key = frameKey(s.frames);
    const acc = current.get(key);
    if (acc) acc.values = acc.values.map((v, i) => v + (s.values[i] ?? 0));
    else current.set(key, { frames: s.frames, values: [...s.values] });
  }
  // Stacks gone from the second profile still count: everything they held was freed.
  for (const s of readSamples(before)) {
    const key = frameKey(s.frames);
    if (!current.has(key)) current.set(key, { frames: s.frames, values: [] });
  }
  for (const [key, { frames, values }] of current) {
    const base = previous.get(key) ?? [];
    const width = Math.max(values.length, base.length);
    const diff = Array.from({ length: width }, (_, i) => (values[i] ?? 0) - (base[i] ?? 0));
    if (diff.every((v) => v === 0)) continue;
    b.addSample(
      frames.map((f) => b.locationId(f)),
      diff,
    );
  }
  const names = sampleTypeNames(after).map((n) => {
    const [type = '', unit = ''] = n.split('/');
    return { type, unit };
  });
  const str = (i: unknown): string => after.stringTable.strings[Number(i)] ?? '';
  return b.build({
    sampleTypes: names,
    periodType: after.periodType
      ? { type: str(after.periodType.type), unit: str(after.periodType.unit) }
      : { type: 'space', unit: 'bytes' },
    period: Number(after.period),
    timeNanos: BigInt(after.timeNanos),
    durationNanos,
  });
}
