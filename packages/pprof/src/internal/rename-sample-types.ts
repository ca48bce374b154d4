import type { Profile } from 'pprof-format';

/** Renames value types in place (e.g. @datadog/pprof's `sample/count` to Go's `samples/count`). */
export function renameSampleTypes(profile: Profile, renames: Readonly<Record<string, string>>): void {
  const strings = profile.stringTable;
  for (const vt of [...profile.sampleType, ...(profile.periodType ? [profile.periodType] : [])]) {
    const current = strings.strings[Number(vt.type)];
    const renamed = current === undefined ? undefined : renames[current];
    if (renamed !== undefined) vt.type = strings.dedup(renamed);
  }
}
