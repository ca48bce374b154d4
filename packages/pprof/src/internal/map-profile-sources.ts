import { Function as PprofFunction, type Profile } from 'pprof-format';
import { pathToFileURL } from 'node:url';
import { SourceMapper } from './source-mapper.ts';

/**
 * Source-maps an already built profile (used for @datadog/pprof output, which carries 1-based lines but no
 * columns). Each line is mapped on its own; functions are re-keyed by their mapped file so a bundle's
 * functions land in their original files.
 */
export function mapProfileSources(profile: Profile): void {
  const strings = profile.stringTable;
  const mapper = new SourceMapper();
  const functions = new Map(profile.function.map((f) => [Number(f.id), f]));
  const rekeyed = new Map<string, number>();
  let nextId = profile.function.reduce((max, f) => Math.max(max, Number(f.id)), 0) + 1;
  for (const location of profile.location) {
    for (const line of location.line) {
      const fn = functions.get(Number(line.functionId));
      if (!fn || Number(line.line) <= 0) continue;
      const name = strings.strings[Number(fn.name)] ?? '';
      const file = strings.strings[Number(fn.filename)] ?? '';
      if (file === '' || file.startsWith('node:')) continue;
      const mapped = mapper.map({
        name,
        url: file.startsWith('/') ? pathToFileURL(file).href : file,
        startLine0: Number(line.line) - 1,
        startColumn0: -1,
        line0: Number(line.line) - 1,
      });
      if (mapped.file === file && mapped.line === Number(line.line)) continue;
      const key = `${name}\0${mapped.file}`;
      let id = rekeyed.get(key);
      if (id === undefined) {
        id = nextId++;
        const n = strings.dedup(name);
        profile.function.push(
          new PprofFunction({
            id,
            name: n,
            systemName: n,
            filename: strings.dedup(mapped.file),
            startLine: 0,
          }),
        );
        rekeyed.set(key, id);
      }
      line.functionId = id;
      line.line = mapped.line;
    }
  }
}
