import type { Profile } from 'pprof-format';
import type { Frame } from './profile-builder.ts';

/** Resolves a built profile's samples back to frames (leaf first); the shared base of text output and deltas. */
export function readSamples(profile: Profile): { frames: Frame[]; values: number[] }[] {
  const str = (i: unknown): string => profile.stringTable.strings[Number(i)] ?? '';
  const functions = new Map(profile.function.map((f) => [Number(f.id), f]));
  const locations = new Map<number, Frame[]>();
  for (const loc of profile.location) {
    const frames: Frame[] = [];
    // pprof lists inlined frames innermost first inside one location.
    for (const line of loc.line) {
      const fn = functions.get(Number(line.functionId));
      frames.push({
        name: fn ? str(fn.name) : '?',
        file: fn ? str(fn.filename) : '',
        startLine: fn ? Number(fn.startLine) : 0,
        line: Number(line.line),
      });
    }
    locations.set(Number(loc.id), frames);
  }
  return profile.sample.map((s) => ({
    frames: s.locationId.flatMap((id) => locations.get(Number(id)) ?? []),
    values: s.value.map(Number),
  }));
}

export function sampleTypeNames(profile: Profile): string[] {
  const str = (i: unknown): string => profile.stringTable.strings[Number(i)] ?? '';
  return profile.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
}

export function frameKey(frames: readonly Frame[]): string {
  return frames.map((f) => `${f.name}\0${f.file}\0${f.startLine}\0${f.line}`).join('\n');
}
